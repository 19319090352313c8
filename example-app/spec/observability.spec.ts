// What an operator sees of the example app: after a scripted run of calls (the simulator CLI, then a call whose
// call_finished handler fails), GET /metrics holds the exact counts of the package's metrics (events by name and
// format, duplicates, answers by status and code, handler runs and failures), GET /api/health the board's strip,
// and the pino output, at LOG_LEVEL=debug, one debug line per event and one line per webhook answered, with no
// phone number, secret or handler error text in any line.

import './built';

import { buildScenario, SCENARIO_AGENTS, SCENARIO_CALLERS, sendWebhook } from 'myoperator-webhooks/testing';

import { configFromEnv } from '../config';
import { createLogger } from '../processes';
import {
  nonZero,
  parsePrometheus,
  requestLines,
  runCli,
  startExample,
  TOKEN_HEADER,
  type LogLine,
  type RequestLine,
  type RunningExample,
} from './helpers';

jest.setTimeout(120_000);

const SECRET = TOKEN_HEADER.slice(TOKEN_HEADER.indexOf(':') + 1).trim();
const HANDLER_TEXT = 'CRM down for +919711636496';

/** Every delivery of the run, as the sender saw it. */
interface Sent {
  event: string;
  format: string;
  status: number;
  duplicate: boolean;
}

let running: RunningExample;
const logged: string[] = [];
const sent: Sent[] = [];
let metricsText = '';

/** The format a default (incall-v1) simulator run sends an event in. */
const formatOf = (event: string): string => (event === 'call_summary' ? 'aftercall-v1' : 'incall-v1');
const fromCli = (line: RequestLine): Sent => ({
  event: line.event,
  format: formatOf(line.event),
  status: line.status,
  duplicate: line.duplicate,
});

beforeAll(async () => {
  // The logger the server makes, at the level LOG_LEVEL=debug gives, writing to memory instead of stdout.
  const { logLevel } = configFromEnv({ LOG_LEVEL: 'debug' });
  const logger = createLogger(logLevel, { write: (line: string) => void logged.push(line) });
  running = await startExample({ logger });
  const url = running.webhook;
  const auth = ['--header', TOKEN_HEADER];

  const all = await runCli(['simulate', 'all', '--url', url, ...auth, '--calls', '1', '--json']);
  expect(all.code).toBe(0);
  sent.push(...requestLines(all.stdout).map(fromCli));
  const twice = await runCli(['simulate', 'missed', '--url', url, ...auth, '--duplicate', '--json']);
  expect(twice.code).toBe(0);
  sent.push(...requestLines(twice.stdout).map(fromCli));
  const refused = await runCli(['simulate', 'answered', '--url', url, '--json']);
  expect(refused.code).toBe(1);
  sent.push(...requestLines(refused.stdout).map((line) => ({ ...fromCli(line), event: '(refused)' })));

  // A CRM that fails when a call ends: its error text names the caller; it must reach no log line.
  running.example.calls.onCallFinished(() => {
    throw new Error(HANDLER_TEXT);
  });
  const call = buildScenario('answered', { index: 3, uid: 'n2.1796000000.4242' });
  for (const step of call.steps) {
    const response = await sendWebhook(url, step.payload, { encoding: step.encoding, headers: [TOKEN_HEADER] });
    sent.push({ event: step.event, format: formatOf(step.event), status: response.status, duplicate: false });
  }

  metricsText = await (await fetch(`${running.base}/metrics`)).text();
});

afterAll(async () => {
  await running.stop();
});

/** `{ key: count }` over some items. */
function tally<T>(items: readonly T[], key: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return counts;
}

const dispatched = (): Sent[] => sent.filter((delivery) => delivery.status !== 401);
const lines = (): LogLine[] => logged.map((line) => JSON.parse(line) as LogLine);

describe('the example app, observed', () => {
  it('played what the spec counts on: duplicates, a refused request and a failing handler', () => {
    expect(sent.filter((delivery) => delivery.duplicate)).toHaveLength(4);
    expect(sent.filter((delivery) => delivery.status === 401)).toHaveLength(5);
    expect(sent.filter((delivery) => delivery.status === 500).map((delivery) => delivery.event)).toEqual([
      'call_finished',
    ]);
    expect(dispatched().length).toBeGreaterThan(30);
  });

  it('counts every event by name and format, and the duplicates by name, in /metrics', () => {
    const samples = parsePrometheus(metricsText);
    expect(nonZero(samples, 'myoperator_webhook_events_total')).toEqual(
      tally(dispatched(), (d) => `myoperator_webhook_events_total{name="${d.event}",format="${d.format}"}`),
    );
    expect(nonZero(samples, 'myoperator_webhook_duplicates_total')).toEqual(
      tally(
        sent.filter((d) => d.duplicate),
        (d) => `myoperator_webhook_duplicates_total{name="${d.event}"}`,
      ),
    );
  });

  it('counts every answer by status and code, the refused and the failed ones too', () => {
    const code = (d: Sent): string =>
      d.status === 401 ? 'unauthorized' : d.status === 500 ? 'handler_failed' : d.duplicate ? 'duplicate' : 'ok';
    expect(nonZero(parsePrometheus(metricsText), 'myoperator_webhook_responses_total')).toEqual(
      tally(sent, (d) => `myoperator_webhook_responses_total{status="${d.status}",code="${code(d)}"}`),
    );
  });

  it('times every handler run, by event name, and counts the one that failed', () => {
    const samples = parsePrometheus(metricsText);
    // onAny runs for every event that is not a duplicate; onUserAnswered besides it; the failing CRM handler for
    // the last call's call_finished.
    const runs: Record<string, number> = {};
    for (const delivery of dispatched().filter((d) => !d.duplicate)) {
      const own = (delivery.event === 'user_answered' ? 1 : 0) + (delivery.status === 500 ? 1 : 0);
      runs[delivery.event] = (runs[delivery.event] ?? 0) + 1 + own;
    }
    const counts = nonZero(samples, 'myoperator_webhook_handler_duration_seconds_count');
    expect(counts).toEqual(
      Object.fromEntries(
        Object.entries(runs).map(([name, n]) => [
          `myoperator_webhook_handler_duration_seconds_count{name="${name}"}`,
          n,
        ]),
      ),
    );
    for (const [name, n] of Object.entries(runs)) {
      expect(samples.get(`myoperator_webhook_handler_duration_seconds_bucket{le="+Inf",name="${name}"}`)).toBe(n);
      expect(samples.get(`myoperator_webhook_handler_duration_seconds_sum{name="${name}"}`)).toBeGreaterThan(0);
    }
    expect(nonZero(samples, 'myoperator_webhook_handler_failures_total')).toEqual({
      'myoperator_webhook_handler_failures_total{name="call_finished"}': 1,
    });
    expect(samples.get('myoperator_webhook_response_duration_seconds_count')).toBe(sent.length);
    expect(metricsText).toContain('# TYPE myoperator_webhook_handler_duration_seconds histogram');
  });

  it('gives the board the same numbers: events this minute, duplicates, failures', async () => {
    const health = (await (await fetch(`${running.base}/api/health`)).json()) as Record<string, unknown>;
    expect(health).toMatchObject({
      eventsPerMinute: dispatched().length,
      events: dispatched().length,
      duplicates: 4,
      failures: 1,
    });
  });

  it('logs one debug line per event, with its name, uid, format and whether it was a duplicate', () => {
    const received = lines().filter((line) => line.msg === '[myoperator-webhooks] event received');
    expect(received.every((line) => line.level === 20)).toBe(true);
    expect(tally(received, (line) => `${String(line.event)} ${String(line.duplicate)}`)).toEqual(
      tally(dispatched(), (d) => `${d.event} ${d.duplicate}`),
    );
    expect(received.filter((line) => line.format === 'aftercall-v1')).toHaveLength(
      dispatched().filter((d) => d.format === 'aftercall-v1').length,
    );
    expect(received.every((line) => typeof line.uid === 'string' && line.uid.startsWith('n2.'))).toBe(true);
  });

  it('logs one info line per webhook answered, and the failure without its text', () => {
    const answered = lines().filter((line) => line.msg === 'webhook answered');
    expect(answered.every((line) => line.level === 30)).toBe(true);
    expect(tally(answered, (line) => `${String(line.status)} ${String(line.duplicate)}`)).toEqual(
      tally(sent, (d) => `${d.status} ${d.duplicate}`),
    );
    const failures = lines().filter((line) => line.level === 50);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ code: 'handler_failed', event: 'call_finished', uid: 'n2.1796000000.4242' });
  });

  it('writes no phone number, no secret and no handler error text in any line', () => {
    const phones = [...SCENARIO_CALLERS, ...SCENARIO_AGENTS.map((agent) => agent.phone)].map((phone) =>
      phone.slice(-10),
    );
    // A line per event, a line per answer and the failure: nothing else was logged.
    expect(logged).toHaveLength(dispatched().length + sent.length + 1);
    const leaks = logged.filter(
      (line) =>
        line.includes(SECRET) || line.includes('CRM down') || phones.some((national) => line.includes(national)),
    );
    expect(leaks).toEqual([]);
  });
});
