// Two app processes sharing one real Redis, over real HTTP: every event delivered five times, shuffled, at once,
// split across both, runs its handlers once and gives the in-order session; with Redis killed, requests still
// answer 200 (handlers run, onError hears a StoreError); once it is back, de-duplication works again.

import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

import { CallEvents, type CallSession } from '../../lib';
import { buildCallEvent, buildInCallLog, sendWebhook, type WebhookResponse } from '../../lib/testing';
import { startRedis, type RedisServer } from '../helpers/redis-server';

const ROOT = resolve(__dirname, '../..');
const APP = join(__dirname, 'fixtures/app.ts');
/** Small, so that a dead Redis costs little; the middleware's own answer deadline (4 s) is far above it. */
const STORE_TIMEOUT_MS = 300;

interface Machine {
  child: ChildProcess;
  origin: string;
}

interface LogLine {
  pid: number;
  kind: 'run' | 'error';
  uid: string | null;
  name: string;
  callState?: number | null;
  error?: string;
  cause?: string | null;
}

/** One planned event of a call: its call state, seconds after the call's start, and the status it carries. */
type Step = readonly [state: number, seconds: number, status?: string];

interface PlannedCall {
  uid: string;
  outcome: CallSession['outcome'];
  payloads: Array<Record<string, unknown>>;
}

const START = Date.UTC(2020, 7, 1, 8, 35, 56);
const wallTime = (ms: number): string => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');

function planCall(uid: string, index: number, outcome: CallSession['outcome'], steps: readonly Step[]): PlannedCall {
  const start = START + index * 600_000;
  return {
    uid,
    outcome,
    payloads: steps.map(([state, seconds, status]) =>
      buildInCallLog({
        uid,
        call_state: String(state),
        created: wallTime(start + seconds * 1000),
        call_time: wallTime(start + seconds * 1000),
        status: status ?? null,
        event: state === 3 ? '2' : '1',
      }),
    ),
  };
}

let uidCounter = 0;
const freshUid = (): string => `n2.${Math.floor(START / 1000)}.${process.pid}${String(++uidCounter).padStart(4, '0')}`;

/** A small seeded generator, so that a failing shuffle can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffle<T>(items: readonly T[], next: () => number): T[] {
  const copy = [...items];
  for (let index = copy.length - 1; index > 0; index--) {
    const other = Math.floor(next() * (index + 1));
    [copy[index], copy[other]] = [copy[other]!, copy[index]!];
  }
  return copy;
}

async function startMachine(redisUrl: string, runLog: string): Promise<Machine> {
  const child = spawn(process.execPath, ['--import', 'tsx', APP], {
    cwd: ROOT,
    env: { ...process.env, REDIS_URL: redisUrl, RUN_LOG: runLog, STORE_TIMEOUT_MS: String(STORE_TIMEOUT_MS) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let errors = '';
  child.stderr.on('data', (chunk: Buffer) => {
    errors = (errors + chunk.toString()).slice(-4000);
  });
  const lines = createInterface({ input: child.stdout });
  const listening = new Promise<string>((resolveOrigin, reject) => {
    lines.on('line', (line) => {
      const match = /^LISTENING (\d+)$/.exec(line);
      if (match) resolveOrigin(`http://127.0.0.1:${match[1]}`);
    });
    child.once('exit', (code) => {
      reject(new Error(`the app exited (${code}) before listening: ${errors}`));
    });
  });
  return { child, origin: await listening };
}

async function stopMachine(machine: Machine | undefined): Promise<void> {
  if (machine === undefined || machine.child.exitCode !== null || machine.child.signalCode !== null) return;
  const exited = once(machine.child, 'exit');
  machine.child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const gaveUp = new Promise<'gave up'>((resolveTimer) => {
    timer = setTimeout(resolveTimer, 5000, 'gave up');
  });
  if ((await Promise.race([exited, gaveUp])) === 'gave up') machine.child.kill('SIGKILL');
  clearTimeout(timer);
}

function readLog(file: string): LogLine[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as LogLine);
}

/** `[uid, callState]` -> how many handler runs the log holds. */
function runsPerEvent(lines: readonly LogLine[]): Map<string, number> {
  const runs = new Map<string, number>();
  for (const line of lines) {
    if (line.kind !== 'run') continue;
    const key = `${line.uid}:${line.callState}`;
    runs.set(key, (runs.get(key) ?? 0) + 1);
  }
  return runs;
}

const eventKey = (payload: Record<string, unknown>): string => `${String(payload.uid)}:${String(payload.call_state)}`;

/** The session as JSON, without arrival times (the one thing that depends on which delivery came first). */
function comparable(session: unknown): unknown {
  const json = JSON.parse(JSON.stringify(session)) as { events?: Array<Record<string, unknown>> } | null;
  if (json?.events) {
    json.events = json.events.map((event) =>
      Object.fromEntries(Object.entries(event).filter(([key]) => key !== 'receivedAt')),
    );
  }
  return json;
}

async function inOrderSession(call: PlannedCall): Promise<unknown> {
  const calls = new CallEvents({ logger: false });
  for (const payload of call.payloads) await calls.receive(buildCallEvent(payload));
  return comparable(await calls.getSession(call.uid));
}

const delay = (ms: number): Promise<void> =>
  new Promise((resolveDelay) => {
    setTimeout(resolveDelay, ms);
  });

describe('RedisStore on several machines', () => {
  let redis: RedisServer;
  let directory: string;
  let runLog: string;
  let machines: Machine[] = [];

  /** Sends a payload to machine `index` (0 or 1). */
  const send = (index: number, payload: unknown): Promise<WebhookResponse> =>
    sendWebhook(`${machines[index]!.origin}/hook`, payload);

  beforeAll(async () => {
    directory = mkdtempSync(join(tmpdir(), 'myoperator-machines-'));
    runLog = join(directory, 'runs.jsonl');
    writeFileSync(runLog, '');
    redis = await startRedis();
    machines = await Promise.all([startMachine(redis.url, runLog), startMachine(redis.url, runLog)]);
  }, 60_000);

  afterAll(async () => {
    await Promise.all(machines.map(stopMachine));
    await redis.stop();
    rmSync(directory, { recursive: true, force: true });
  }, 30_000);

  beforeEach(() => {
    writeFileSync(runLog, '');
  });

  describe('with Redis up', () => {
    it('runs each event’s handlers once across both processes, and both read back the in-order session', async () => {
      const calls = [
        planCall(freshUid(), 0, 'answered', [
          [1, 0],
          [5, 0],
          [6, 8],
          [2, 74, '1'],
        ]),
        planCall(freshUid(), 1, 'missed', [
          [1, 0],
          [5, 1],
          [2, 20, '2'],
        ]),
        planCall(freshUid(), 2, 'rejected', [
          [3, 0],
          [7, 5, '2'],
          [2, 5, '2'],
        ]),
        planCall(freshUid(), 3, 'no_answer', [
          [3, 0],
          [9, 30, '2'],
          [2, 30, '2'],
        ]),
        planCall(freshUid(), 4, 'no_answer', [
          [1, 0],
          [4, 25, '2'],
          [2, 25, '2'],
        ]),
        planCall(freshUid(), 5, 'answered', [
          [1, 0],
          [5, 0],
          [6, 0],
          [2, 0, '1'],
        ]),
      ];
      const payloads = calls.flatMap((call) => call.payloads);
      // Five deliveries of every event, split across both machines, shuffled, all sent at once.
      const deliveries = shuffle(
        payloads.flatMap((payload, index) =>
          Array.from({ length: 5 }, (_, copy) => ({ machine: (index + copy) % 2, payload })),
        ),
        random(20200801),
      );
      const responses = await Promise.all(deliveries.map(({ machine, payload }) => send(machine, payload)));

      expect(responses.map((response) => response.status)).toEqual(deliveries.map(() => 200));
      const firsts = new Map<string, number>();
      responses.forEach((response, index) => {
        if ((response.body as { duplicate?: boolean }).duplicate !== true) {
          const key = eventKey(deliveries[index]!.payload);
          firsts.set(key, (firsts.get(key) ?? 0) + 1);
        }
      });
      const once = new Map(payloads.map((payload) => [eventKey(payload), 1]));
      expect(firsts).toEqual(once);

      const lines = readLog(runLog);
      expect(lines.filter((line) => line.kind === 'error')).toEqual([]);
      expect(runsPerEvent(lines)).toEqual(once);

      for (const call of calls) {
        const expected = await inOrderSession(call);
        const [fromFirst, fromSecond] = await Promise.all(
          machines.map(async ({ origin }) => comparable(await (await fetch(`${origin}/session/${call.uid}`)).json())),
        );
        expect(fromFirst).toEqual(expected);
        expect(fromSecond).toEqual(expected);
        expect(fromFirst).toMatchObject({ outcome: call.outcome });
      }
    }, 60_000);
  });

  describe('when redis dies', () => {
    it('still answers 200 and runs the handlers, and onError hears a StoreError', async () => {
      const before = Array.from({ length: 8 }, () => buildInCallLog({ uid: freshUid(), call_state: '1' }));
      const after = Array.from({ length: 6 }, () => buildInCallLog({ uid: freshUid(), call_state: '1' }));
      const twice = buildInCallLog({ uid: freshUid(), call_state: '6' });

      // Killed while the first batch is in flight: some of it may still be de-duplicated, none of it may hang.
      const inFlight = Promise.all(before.map((payload, index) => send(index % 2, payload)));
      redis.kill();
      const inFlightResponses = await inFlight;
      const afterResponses = await Promise.all(after.map((payload, index) => send(index % 2, payload)));
      // With no store, a redelivery runs the handlers again: at-least-once, never at-most-once.
      const twiceResponses = [await send(0, twice), await send(1, twice)];

      // 200, not 202: each answer came long before the middleware's 4 s deadline, the store gave up at 300 ms.
      for (const response of [...inFlightResponses, ...afterResponses, ...twiceResponses]) {
        expect(response).toMatchObject({ status: 200, body: { ok: true } });
      }
      const lines = readLog(runLog);
      const runs = runsPerEvent(lines);
      for (const payload of [...before, ...after]) expect(runs.get(eventKey(payload))).toBe(1);
      expect(runs.get(eventKey(twice))).toBe(2);

      const storeErrors = lines.filter((line) => line.kind === 'error');
      expect(storeErrors.every((line) => line.error === 'StoreError')).toBe(true);
      const reported = new Set(storeErrors.map((line) => line.uid));
      for (const payload of [...after, twice]) expect(reported).toContain(payload.uid);
    }, 60_000);

    it('de-duplicates again once Redis is back', async () => {
      await redis.restart();
      // The clients reconnect with back-off: wait until a redelivery is answered as one.
      let working = false;
      for (let attempt = 0; attempt < 60 && !working; attempt++) {
        const probe = buildInCallLog({ uid: freshUid(), call_state: '5' });
        await send(0, probe);
        const again = await send(1, probe);
        working = (again.body as { duplicate?: boolean }).duplicate === true;
        if (!working) await delay(250);
      }
      expect(working).toBe(true);

      writeFileSync(runLog, '');
      const payload = buildInCallLog({ uid: freshUid(), call_state: '6' });
      const responses = await Promise.all(Array.from({ length: 5 }, (_, index) => send(index % 2, payload)));
      expect(responses.map((response) => response.status)).toEqual([200, 200, 200, 200, 200]);
      expect(runsPerEvent(readLog(runLog))).toEqual(new Map([[eventKey(payload), 1]]));
    }, 60_000);
  });
});
