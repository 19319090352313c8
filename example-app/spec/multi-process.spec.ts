// The multi-process mode for real: a redis-server on a free port, the example server with REDIS_URL, two web
// processes and two workers (real child processes sharing Redis and the SQLite file). The board hears of calls the
// workers saved, and /metrics adds up every process; then a burst of calls is played, each webhook delivered again
// until it is answered 2xx (as MyOperator does), while a worker and a web process are SIGKILLed: every call ends up
// in the database once, with all its events, and no webhook is saved twice as a first delivery.

import './built';

import { buildScenario, SCENARIO_NAMES, sendWebhook, type ScenarioCall } from 'myoperator-webhooks/testing';

import { setTimeout as sleep } from 'node:timers/promises';

import Database from 'better-sqlite3';

import { startRedis, type RedisServer } from '../../spec/helpers/redis-server';
import {
  nonZero,
  parsePrometheus,
  runCli,
  startServerProcess,
  TOKEN_HEADER,
  type LogLine,
  type ServerProcess,
} from './helpers';

jest.setTimeout(180_000);

let redis: RedisServer;
let server: ServerProcess;

beforeAll(async () => {
  redis = await startRedis();
  server = await startServerProcess({
    REDIS_URL: redis.url,
    WEB_PROCESSES: '2',
    WORKERS: '2',
    // A little work in each handler, so that a kill can land in the middle of a job.
    SPEC_HANDLER_DELAY_MS: '30',
  });
});

afterAll(async () => {
  // The processes the primary started, in case a failed test left them (they also stop when it goes).
  for (const line of server.lines()) {
    if (line.msg === 'process started' && typeof line.pid === 'number') {
      try {
        process.kill(line.pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
  }
  await server.cleanUp();
  await redis.stop();
});

/** The pids the primary started for a role, in order. */
function pidsOf(role: 'web' | 'worker'): number[] {
  return server
    .lines()
    .filter((line) => line.msg === 'process started' && line.process === role)
    .map((line) => line.pid as number);
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function metrics(): Promise<Map<string, number>> {
  return parsePrometheus(await (await fetch(`${server.base}/metrics`)).text());
}

const total = (samples: Record<string, number>): number => Object.values(samples).reduce((sum, n) => sum + n, 0);

async function until<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what} within ${ms} ms; last: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe('the example app on several processes (REDIS_URL)', () => {
  it('runs two web processes and two workers, the handlers in the workers', () => {
    expect(pidsOf('web')).toHaveLength(2);
    expect(pidsOf('worker')).toHaveLength(2);
    const ready = server.lines().filter((line) => line.msg === 'worker ready');
    expect(ready.map((line) => line.pid).sort()).toEqual([...pidsOf('worker')].sort());
    expect(server.lines().find((line) => String(line.msg).startsWith('MyOperator example app'))).toMatchObject({
      mode: 'several processes',
      redis: `redis://127.0.0.1:${redis.port}`,
      webProcesses: 2,
      workers: 2,
    });
  });

  it('keeps the board live with what the workers save, and adds up every process in /metrics', async () => {
    const controller = new AbortController();
    const response = await fetch(`${server.base}/events`, { signal: controller.signal });
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = '';
    const played = runCli(['simulate', 'answered', '--url', server.webhook, '--header', TOKEN_HEADER]);
    const deadline = Date.now() + 30_000;
    while (!(text.includes('event: screen-pop') && text.includes('"status":"finished"')) && Date.now() < deadline) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    controller.abort();
    expect((await played).code).toBe(0);
    expect(text).toMatch(/event: call\ndata: \{[^\n]*"status":"ringing"/);
    expect(text).toMatch(/event: screen-pop\ndata: \{[^\n]*"caller":"\+919711636496"/);
    expect(text).toMatch(/event: call\ndata: \{[^\n]*"status":"finished"/);

    // The web processes counted the 5 events; the workers ran their 6 handler runs (onAny for each, onUserAnswered).
    const samples = await until(
      'every handler run counted',
      metrics,
      (now) => total(nonZero(now, 'myoperator_webhook_handler_duration_seconds_count')) === 6,
      20_000,
    );
    expect(total(nonZero(samples, 'myoperator_webhook_events_total'))).toBe(5);
    expect(nonZero(samples, 'myoperator_webhook_responses_total')).toEqual({
      'myoperator_webhook_responses_total{status="200",code="ok"}': 5,
    });
    // Every process's own metrics, added up: five processes' worth of open file descriptors.
    expect(samples.get('process_open_fds')).toBeGreaterThan(0);
    const health = (await (await fetch(`${server.base}/api/health`)).json()) as Record<string, number>;
    expect(health).toMatchObject({ events: 5, duplicates: 0, failures: 0 });
  });

  it('loses no call and saves none twice when a worker and a web process are SIGKILLed during a burst', async () => {
    const calls: ScenarioCall[] = Array.from({ length: 40 }, (_, i) =>
      buildScenario(SCENARIO_NAMES[i % SCENARIO_NAMES.length]!, { index: 100 + i }),
    );
    const steps = calls.reduce((sum, call) => sum + call.steps.length, 0);
    const [worker] = pidsOf('worker');
    const [web] = pidsOf('web');
    let answered = 0;
    let attempts = 0;
    let inFlight = 0;
    let paused = false;
    const killed: number[] = [];

    /** Delivers a webhook until it is answered 2xx, 250 ms apart, at most 60 times. */
    const deliver = async (step: ScenarioCall['steps'][number]): Promise<void> => {
      for (let attempt = 1; attempt <= 60; attempt++) {
        while (paused) await sleep(10);
        attempts++;
        inFlight++;
        try {
          const response = await sendWebhook(server.webhook, step.payload, {
            encoding: step.encoding,
            headers: [TOKEN_HEADER],
          });
          if (response.status >= 200 && response.status < 300) return;
        } catch {
          // the connection was cut or refused (a web process killed): try again
        } finally {
          inFlight--;
        }
        await sleep(250);
      }
      throw new Error(`${step.label} was never answered 2xx`);
    };
    const kills = async (): Promise<void> => {
      // The worker mid-burst, whatever it is doing: a job it held runs again elsewhere once its lock expires.
      if (answered >= steps * 0.3 && !killed.includes(worker!)) {
        killed.push(worker!);
        process.kill(worker!, 'SIGKILL');
      }
      // The web process between two requests: one killed between its claim in Redis and its enqueue would leave
      // a claim without a job, and the redelivery would be taken for a duplicate (the package does not cover that
      // window yet).
      if (answered >= steps * 0.6 && !killed.includes(web!)) {
        killed.push(web!);
        paused = true;
        while (inFlight > 0) await sleep(5);
        process.kill(web!, 'SIGKILL');
        paused = false;
      }
    };
    // Eight calls at a time, each call's webhooks in order.
    const queue = [...calls];
    const lane = async (): Promise<void> => {
      for (let call = queue.shift(); call !== undefined; call = queue.shift()) {
        for (const step of call.steps) {
          await deliver(step);
          answered++;
          await kills();
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, lane));
    expect(killed).toEqual([worker, web]);
    expect(isRunning(worker!)).toBe(false);
    expect(isRunning(web!)).toBe(false);

    // Every call, once it has been worked through (a killed worker's job runs again once its lock expires).
    const database = new Database(server.databasePath, { readonly: true, fileMustExist: true });
    try {
      const uids = calls.map((call) => call.uid);
      const rowsOf = (): Array<{ uid: string; events: number; outcome: string; status: string }> =>
        database
          .prepare(`SELECT uid, events, outcome, status FROM calls WHERE uid IN (${uids.map(() => '?').join(',')})`)
          .all(...uids) as Array<{ uid: string; events: number; outcome: string; status: string }>;
      const expected = calls
        .map((call) => ({
          uid: call.uid,
          events: call.steps.length,
          outcome: call.expected.outcome,
          status: 'finished',
        }))
        .sort((a, b) => a.uid.localeCompare(b.uid));
      const rows = await until(
        'every call saved with all its events',
        () => Promise.resolve(rowsOf().sort((a, b) => a.uid.localeCompare(b.uid))),
        (now) => JSON.stringify(now) === JSON.stringify(expected),
        60_000,
      );
      expect(rows).toEqual(expected);

      // Each webhook saved at least once, and as a first delivery (not a duplicate) at most once.
      const webhooks = database
        .prepare(
          `SELECT uid, event, COALESCE(call_state, '') AS state, SUM(duplicate = 0) AS first, COUNT(*) AS rows
           FROM webhooks WHERE uid IN (${uids.map(() => '?').join(',')}) GROUP BY uid, event, state`,
        )
        .all(...uids) as Array<{ uid: string; event: string; first: number; rows: number }>;
      expect(webhooks).toHaveLength(steps);
      expect(webhooks.filter((row) => row.first > 1)).toEqual([]);
      expect(webhooks.every((row) => row.rows >= 1)).toBe(true);
      // A lead per number that called in, created once.
      const callers = new Set(calls.filter((call) => call.direction === 'incoming').map((call) => call.caller));
      const leads = database.prepare('SELECT phone FROM leads').all() as Array<{ phone: string }>;
      expect(leads.map((lead) => lead.phone).sort()).toEqual([...callers].sort());
    } finally {
      database.close();
    }
    expect(attempts).toBeGreaterThanOrEqual(steps);

    // The primary started a process in place of each one killed, and they work.
    const exits = server.lines().filter((line: LogLine) => line.msg === 'process exited');
    expect(exits.map((line) => [line.pid, line.signal])).toEqual([
      [worker, 'SIGKILL'],
      [web, 'SIGKILL'],
    ]);
    expect(pidsOf('worker')).toHaveLength(3);
    expect(pidsOf('web')).toHaveLength(3);
    await server.waitForLine(
      'the new worker',
      (line) => line.msg === 'worker ready' && line.pid === pidsOf('worker')[2],
    );
    await server.waitForLine(
      'the new web process',
      (line) => line.msg === 'web process listening' && line.pid === pidsOf('web')[2],
    );
  });

  it('stops every process on SIGTERM, and exits 0', async () => {
    const pids = [...pidsOf('web'), ...pidsOf('worker')].filter(isRunning);
    expect(pids).toHaveLength(4);
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    expect(pids.filter(isRunning)).toEqual([]);
    const stopped = server.lines().filter((line) => line.msg === 'stopped');
    // Each process said so (the primary last), with nothing left running.
    expect(stopped).toHaveLength(5);
    expect(stopped.at(-1)).toMatchObject({ role: 'primary' });
    expect(stopped.filter((line) => line.role !== 'primary').every((line) => line.pending === 0)).toBe(true);
  });
});
