// The example server stopped while it works, as a real process: SIGTERM during a burst of calls whose handlers are
// slow (past the webhook's timeout: most were answered 202 and still ran) leaves every webhook it accepted with its
// call in the database, answers those that came during the drain 503 shutting_down (MyOperator delivers them
// again), and exits 0. SIGINT (Ctrl-C) stops it the same way; LOG_LEVEL chooses what it writes.

import './built';

import { buildScenario, SCENARIO_NAMES, sendWebhook, type ScenarioCall } from 'myoperator-webhooks/testing';

import Database from 'better-sqlite3';

import { portIsFree, startServerProcess, TOKEN_HEADER, type ServerProcess } from './helpers';

jest.setTimeout(90_000);

/** One delivery as the sender saw it. */
interface Delivery {
  uid: string;
  event: string;
  /** When the answer came (ms). */
  answeredAt: number;
  /** The HTTP status, or `null` when the connection was refused or cut. */
  status: number | null;
  code: string | null;
  retryAfter: string | null;
}

/** Sends a call's webhooks one after the other, each once its previous one was answered; stops at a non-2xx. */
async function play(url: string, call: ScenarioCall, deliveries: Delivery[]): Promise<void> {
  for (const step of call.steps) {
    const delivery: Delivery = {
      uid: call.uid,
      event: step.event,
      answeredAt: 0,
      status: null,
      code: null,
      retryAfter: null,
    };
    deliveries.push(delivery);
    try {
      const response = await sendWebhook(url, step.payload, { encoding: step.encoding, headers: [TOKEN_HEADER] });
      delivery.status = response.status;
      delivery.code = (response.body as { error?: { code?: string } }).error?.code ?? null;
      delivery.retryAfter = response.headers.get('retry-after');
    } catch {
      // refused: the server has closed
    }
    delivery.answeredAt = Date.now();
    if (delivery.status === null || delivery.status >= 300) return;
  }
}

let server: ServerProcess | undefined;
afterEach(async () => {
  await server?.cleanUp();
  server = undefined;
});

const accepted = (delivery: Delivery): boolean => delivery.status === 200 || delivery.status === 202;

describe('the example server, stopped', () => {
  it('on SIGTERM during a burst of slow calls: saves every call it accepted, answers 503 meanwhile, exits 0', async () => {
    const running = (server = await startServerProcess({
      SPEC_HANDLER_DELAY_MS: '1500',
      SPEC_WEBHOOK_TIMEOUT_MS: '300',
    }));
    // The package's metrics and the process's own, registered once.
    const metrics = await (await fetch(`${running.base}/metrics`)).text();
    expect(metrics).toContain('# TYPE myoperator_webhook_events_total counter');
    expect(metrics.match(/^# TYPE process_cpu_user_seconds_total counter$/gm)).toHaveLength(1);

    const calls = Array.from({ length: 20 }, (_, index) =>
      buildScenario(SCENARIO_NAMES[index % SCENARIO_NAMES.length]!, { index }),
    );
    const deliveries: Delivery[] = [];
    const burst = Promise.all(calls.map((call) => play(running.webhook, call, deliveries)));
    await new Promise((resolve) => setTimeout(resolve, 700));
    const stoppedAt = Date.now();
    running.child.kill('SIGTERM');
    const [code] = await Promise.all([running.exited, burst]);
    expect(code).toBe(0);

    // What the sender saw: accepted (200, or 202 with the handlers still running), or 503 once stopping.
    expect(deliveries.filter(accepted).length).toBeGreaterThan(calls.length);
    expect(deliveries.filter((delivery) => delivery.status === 202).length).toBeGreaterThan(0);
    const late = deliveries.filter((delivery) => !accepted(delivery));
    expect(late.length).toBeGreaterThan(0);
    for (const delivery of late) {
      expect(delivery).toMatchObject({ status: 503, code: 'shutting_down', retryAfter: '30' });
      expect(delivery.answeredAt).toBeGreaterThanOrEqual(stoppedAt);
    }

    // What the database holds: every call with each event it accepted, and every accepted webhook, once.
    const database = new Database(running.databasePath, { readonly: true, fileMustExist: true });
    try {
      const rows = database.prepare('SELECT uid, events FROM calls').all() as Array<{ uid: string; events: number }>;
      const webhooks = database.prepare('SELECT uid, event, duplicate FROM webhooks').all() as Array<{
        uid: string;
        event: string;
        duplicate: number;
      }>;
      const expected = new Map<string, number>();
      for (const delivery of deliveries.filter(accepted)) {
        expected.set(delivery.uid, (expected.get(delivery.uid) ?? 0) + 1);
      }
      expect(new Map(rows.map((row) => [row.uid, row.events]))).toEqual(expected);
      expect(webhooks.map((row) => `${row.uid} ${row.event} ${row.duplicate}`).sort()).toEqual(
        deliveries
          .filter(accepted)
          .map((delivery) => `${delivery.uid} ${delivery.event} 0`)
          .sort(),
      );
    } finally {
      database.close();
    }

    const lines = running.lines();
    expect(lines.find((line) => line.msg?.startsWith('stopping'))).toMatchObject({ reason: 'SIGTERM' });
    expect(lines.at(-1)).toMatchObject({ msg: 'stopped', pending: 0 });
    // LOG_LEVEL unset: info, so no line per event, and a line per webhook answered.
    expect(lines.every((line) => (line.level ?? 0) >= 30)).toBe(true);
    expect(lines.filter((line) => line.msg === 'webhook answered')).toHaveLength(deliveries.length);
  });

  it('on SIGINT (Ctrl-C): stops the same way, exits 0 and frees its port; LOG_LEVEL=debug adds a line per event', async () => {
    const running = (server = await startServerProcess({ LOG_LEVEL: 'debug' }));
    const call = buildScenario('missed', { index: 2 });
    for (const step of call.steps) {
      const response = await sendWebhook(running.webhook, step.payload, {
        encoding: step.encoding,
        headers: [TOKEN_HEADER],
      });
      expect(response.status).toBe(200);
    }
    await running.waitForLine(
      'the last event',
      (line) => line.msg === '[myoperator-webhooks] event received' && line.event === 'call_summary',
    );
    running.child.kill('SIGINT');
    expect(await running.exited).toBe(0);
    const received = running.lines().filter((line) => line.msg === '[myoperator-webhooks] event received');
    expect(received.map((line) => line.event)).toEqual(call.steps.map((step) => step.event));
    expect(running.lines().find((line) => line.msg?.startsWith('stopping'))).toMatchObject({ reason: 'SIGINT' });
    // Its port is free again: another server can listen on it.
    expect(await portIsFree(Number(new URL(running.base).port))).toBe(true);
  });
});
