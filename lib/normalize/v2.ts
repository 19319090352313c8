// MyOperator's Webhook v2 envelope -> CallEvent. The event type -> name mapping lives in the call-state table;
// any type it does not know becomes `unknown` (accepted, never rejected), so new MyOperator events do not break.

import { createCallEvent, type CallAgent, type CallEvent } from '../core/call-event';
import { callEventNameForV2Type } from '../core/call-states';
import type { V2Agent, V2Event, V2Leg } from '../schemas/v2';
import type { NormalizeOptions } from './options';
import { pickPhoneNumber, toPhoneNumber } from './phone';
import { toDate, toDurationSeconds } from './time';
import { agentNumbers, toCallStatus, toDirection, toNumberText, toText, uniqueBy } from './values';

function isAgentLeg(leg: V2Leg): leg is V2Leg & { agent: V2Agent } {
  return toText(leg.type)?.toLowerCase() === 'agent' && typeof leg.agent === 'object' && leg.agent !== null;
}

/** Whether the agent of this leg picked up: its result, its dial status, or an answer time says so. */
function isAnswered(leg: V2Leg): boolean {
  const result = toText(leg.result)?.toLowerCase();
  const dialStatus = toText(leg.dial_status)?.toUpperCase();
  return (
    result === 'answered' ||
    result === 'connected' ||
    dialStatus === 'ANSWER' ||
    dialStatus === 'ANSWERED' ||
    toText(leg.answered_at) !== null
  );
}

function toAgent(agent: V2Agent, defaultCountryCode: string): CallAgent {
  return {
    id: toText(agent.uuid),
    name: toText(agent.name),
    email: toText(agent.email),
    extension: toText(agent.extension),
    phone: toPhoneNumber(agent.contact, defaultCountryCode),
  };
}

function agentKey(agent: CallAgent): string | null {
  return agent.id ?? agent.phone?.e164 ?? (agent.name === null ? null : `${agent.name}/${agent.extension ?? ''}`);
}

/** Normalises a validated v2 envelope. */
export function normalizeV2Event(envelope: V2Event, options: NormalizeOptions, receivedAt: Date): CallEvent {
  const event = createCallEvent('v2', envelope, receivedAt);
  const payload = envelope.payload ?? {};
  const agentLegs = (payload.legs ?? []).filter(isAgentLeg);
  const answeredLeg = agentLegs.find(isAnswered);
  const agents = uniqueBy(
    agentLegs.map((leg) => toAgent(leg.agent, options.defaultCountryCode)),
    agentKey,
  );

  event.name = callEventNameForV2Type(envelope.event_type);
  event.id = toText(envelope.event_id);
  event.uid = toText(envelope.session_id) ?? toText(payload.id);
  event.companyId = toText(envelope.company_id);
  event.direction = toDirection(envelope.direction) ?? toDirection(payload.direction);
  event.status = toCallStatus(payload.status);
  event.caller = pickPhoneNumber(envelope.customer_identifier, payload.customer_number, options.defaultCountryCode);
  // On call events `system_identifier` is the DID that was called; on WhatsApp events it is a phone number id.
  const channel = toText(envelope.channel)?.toLowerCase() ?? 'call';
  event.serviceNumber = channel === 'call' ? toNumberText(envelope.system_identifier) : null;
  event.callTime = toDate(envelope.timestamp, options.timeZone);
  event.startedAt = toDate(payload.started_at, options.timeZone);
  event.endedAt = toDate(payload.ended_at, options.timeZone);
  event.durationSeconds = toDurationSeconds(payload.duration);

  const filename = toText(payload.recording_filename);
  const url = toText(payload.recording_url);
  event.recording = filename === null && url === null ? null : { filename, url };

  event.agents = agents;
  event.users = agentNumbers(agents);
  event.userPhoneNumber = answeredLeg ? toNumberText(answeredLeg.agent.contact) : null;
  event.dialStatus = toText((answeredLeg ?? agentLegs.at(-1))?.dial_status);
  return event;
}
