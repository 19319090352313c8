// What the example app saved for a played call, read back through its API and checked against what was played:
// outcome, ring and talk time, who answered, the lead, every webhook kept, and no event time after its arrival.

import type { PlayedCall } from './call-centre';
import type { CallRow } from './database';

/** A webhook as `GET /api/calls/:uid` gives it. */
interface WebhookView {
  received_at: string;
  event: string;
  duplicate: boolean;
  normalized: Record<string, unknown>;
}

/** The event-time fields of a normalised event (`receivedAt` is the arrival itself). */
const EVENT_TIME_FIELDS = ['createdAt', 'callTime', 'startedAt', 'endedAt'] as const;

/** How far the app's arrival times may be apart from the sender's clock, in seconds (the same machine's). */
const ARRIVAL_SLACK_SECONDS = 1.5;

/**
 * The problems with what the app saved for a call (empty when there are none).
 * @example
 * const problems = await checkPlayedCall('http://127.0.0.1:3000', played);
 */
export async function checkPlayedCall(base: string, played: PlayedCall): Promise<string[]> {
  const { call, answeredBy } = played;
  const response = await fetch(`${base}/api/calls/${encodeURIComponent(call.uid)}`);
  if (response.status !== 200) return [`GET /api/calls/${call.uid} answered ${response.status}`];
  const { call: row, webhooks } = (await response.json()) as { call: CallRow; webhooks: WebhookView[] };
  const problems: string[] = [];
  const expect = (what: string, actual: unknown, wanted: unknown): void => {
    if (actual !== wanted) problems.push(`${what}: ${JSON.stringify(actual)}, expected ${JSON.stringify(wanted)}`);
  };

  expect('status', row.status, 'finished');
  expect('outcome', row.outcome, call.expected.outcome);
  expect('ring seconds', row.ring_seconds, call.expected.ringSeconds);
  expect('talk seconds', row.talk_seconds, call.expected.talkSeconds);
  expect('answered by', row.answered_by, answeredBy?.phone ?? null);
  // Names come with the after-call log and with v2 events; the in-call log alone carries numbers.
  const named = call.format === 'v2' || call.steps.some((step) => step.event === 'call_summary');
  if (answeredBy && named) expect('agent name', row.agent_name, answeredBy.name);

  if (call.direction === 'incoming') {
    if (row.lead === null) problems.push('no lead for an incoming call');
    else if (played.earlierIncoming === 0) expect('lead created by', row.lead.first_call_uid, call.uid);
    else if (row.lead.first_call_uid === call.uid) problems.push('a new lead for a caller who called before');
  } else if (played.earlierIncoming === 0 && row.lead !== null) {
    problems.push('a lead for an outgoing call to a number that never called');
  }

  const sent = played.deliveries.length;
  expect('webhooks saved', webhooks.length, sent);
  expect(
    'duplicates saved',
    webhooks.filter((webhook) => webhook.duplicate).length,
    played.deliveries.filter((delivery) => delivery.redelivery).length,
  );
  for (const webhook of webhooks) {
    const arrival = Date.parse(webhook.received_at);
    for (const field of EVENT_TIME_FIELDS) {
      const value = webhook.normalized[field];
      if (typeof value === 'string' && Date.parse(value) > arrival) {
        problems.push(`${webhook.event}: ${field} ${value} is after its arrival ${webhook.received_at}`);
      }
    }
  }

  // The talk time the board shows at the end is the time it showed the call in conversation.
  if (call.expected.talkSeconds !== null) {
    const arrived = (events: readonly string[]): number | null => {
      const first = webhooks.find((webhook) => !webhook.duplicate && events.includes(webhook.event));
      return first ? Date.parse(first.received_at) : null;
    };
    const answered = arrived(['user_answered']);
    const ended = arrived(['call_finished']) ?? arrived(['call_summary']);
    if (answered !== null && ended !== null) {
      const live = (ended - answered) / 1000;
      if (Math.abs(live - call.expected.talkSeconds) > ARRIVAL_SLACK_SECONDS) {
        problems.push(
          `in conversation for ${live.toFixed(1)} s on the board, talk time ${call.expected.talkSeconds} s`,
        );
      }
    }
  }
  return problems;
}
