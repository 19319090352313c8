// CallEvents with a BullMQQueue, through the public API against a real redis-server: a worker's handlers get the
// event and the session the in-process handlers get; de-duplication by the store's claim and by the job id;
// retries with attempt numbers, the failed set, retryFailed() and the CLI; a graceful close; and Redis down or
// hung at receipt (the handlers run here, a QueueError, a bounded answer, over HTTP too).

import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import express from 'express';

import {
  CALL_EVENT_NAMES,
  CallEvents,
  HandlerError,
  MemoryStore,
  myOperatorWebhook,
  QueueError,
  RedisStore,
  StoreError,
  type CallEvent,
  type CallEventsError,
  type CallEventsOptions,
  type CallSession,
  type QueryParamMapping,
} from '../../lib';
import { BullMQQueue, type BullMQQueueOptions } from '../../lib/bullmq';
import { queueJobId } from '../../lib/queue/serialize';
import {
  AFTER_CALL_LOG,
  buildCallEvent,
  buildInCallLog,
  buildScenario,
  sendWebhook,
  V2_CALL_ANSWERED,
  V2_CALL_SUMMARY,
  V2_DISPOSITION,
  V2_WHATSAPP_MESSAGE,
  type SendWebhookOptions,
} from '../../lib/testing';
import { assertBuilt, runCli } from '../cli/helpers';
import { startRedis, type RedisServer } from '../helpers/redis-server';
import { connect, delay, eventually, gate } from './helpers';

jest.setTimeout(60_000);

const QUERY_PARAMS: QueryParamMapping = { caller_number: 'callerNumber', state: 'callState', uid: 'uid' };

let server: RedisServer;
let client: ReturnType<typeof connect>;
let admin: ReturnType<typeof connect>;
let unique = 0;
const fresh = (label: string): string => `${label}-${process.pid}-${++unique}`;
/** What a test opened, closed after it (CallEvents first: they close their queues). */
const toClose: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  server = await startRedis();
  client = connect(server);
  admin = connect(server);
  await client.ping();
});

afterEach(async () => {
  for (const close of toClose.splice(0)) await close().catch(() => {});
});

afterAll(async () => {
  client.disconnect();
  admin.disconnect();
  await server.stop();
});

/** One handler run, as the capturing handler saw it. */
interface Seen {
  /** Which CallEvents ran it. */
  by: string;
  event: CallEvent;
  req: unknown;
  session: CallSession | null | undefined;
  at: number;
}

/** A CallEvents (closed after the test) whose handler for every event name records each run in `seen`. */
function capturing(by: string, seen: Seen[], options: CallEventsOptions, run?: () => unknown): CallEvents {
  const calls = new CallEvents({ logger: false, ...options });
  calls.on(CALL_EVENT_NAMES, (event, ctx) => {
    seen.push({ by, event, req: ctx.req, session: ctx.session, at: Date.now() });
    return run?.();
  });
  toClose.push(() => calls.close({ timeoutMs: 5000 }));
  return calls;
}

function queueFor(name: string, options: Partial<BullMQQueueOptions> = {}): BullMQQueue {
  const queue = new BullMQQueue({ connection: client, name, ...options });
  toClose.push(() => queue.close());
  return queue;
}

/** The failures an onError handler heard, in order. */
function errorsOf(calls: CallEvents): CallEventsError[] {
  const errors: CallEventsError[] = [];
  calls.onError((error) => {
    errors.push(error);
  });
  return errors;
}

/** A web process and a worker process as an app builds them: same store, same queue name, same handlers. */
function webAndWorker(
  seen: Seen[],
  options: { queue?: Partial<BullMQQueueOptions>; calls?: CallEventsOptions; run?: () => unknown } = {},
): { name: string; prefix: string; web: CallEvents; worker: CallEvents; workerQueue: BullMQQueue } {
  const name = fresh('calls');
  const prefix = `${name}:`;
  const shared = (): CallEventsOptions => ({ store: new RedisStore({ client, keyPrefix: prefix }), ...options.calls });
  const web = capturing('web', seen, { ...shared(), queue: queueFor(name, options.queue) }, options.run);
  const workerQueue = queueFor(name, options.queue);
  const worker = capturing('worker', seen, { ...shared(), queue: workerQueue }, options.run);
  return { name, prefix, web, worker, workerQueue };
}

/** An Express app serving `calls` on 127.0.0.1 (closed after the test); resolves its webhook URL. */
async function serve(calls: CallEvents): Promise<string> {
  const app = express();
  app.use('/hook', myOperatorWebhook({ auth: false, calls, queryParams: QUERY_PARAMS }));
  const http: Server = await new Promise((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => {
      resolve(listening);
    });
  });
  toClose.push(
    () =>
      new Promise<void>((resolve) => {
        http.closeAllConnections();
        http.close(() => {
          resolve();
        });
      }),
  );
  return `http://127.0.0.1:${(http.address() as AddressInfo).port}/hook`;
}

/** Made in this realm (toStrictEqual compares constructors; the fixtures' copies come from structuredClone). */
const plain = (payload: unknown): Record<string, unknown> =>
  JSON.parse(JSON.stringify(payload)) as Record<string, unknown>;

/** The samples, as MyOperator sends them: every format, each with a uid of its own. */
const SAMPLES: ReadonlyArray<{ label: string; payload: Record<string, unknown>; send: SendWebhookOptions }> = [
  { label: 'the in-call log, form body', payload: buildInCallLog({ uid: 'n2.1.form' }), send: {} },
  {
    label: 'the in-call log, JSON body',
    payload: buildInCallLog({ uid: 'n2.1.json', call_state: '6' }),
    send: { encoding: 'json' },
  },
  { label: 'the after-call log', payload: plain(AFTER_CALL_LOG), send: {} },
  { label: 'a v2 call.summary', payload: plain(V2_CALL_SUMMARY), send: { encoding: 'json' } },
  { label: 'a v2 call.answered', payload: plain(V2_CALL_ANSWERED), send: { encoding: 'json' } },
  { label: 'a v2 disposition', payload: plain(V2_DISPOSITION), send: { encoding: 'json' } },
  { label: 'a v2 WhatsApp message', payload: plain(V2_WHATSAPP_MESSAGE), send: { encoding: 'json' } },
  {
    label: 'a GET with the panel query string',
    payload: buildInCallLog({ uid: 'n2.1.query', call_state: '2' }),
    send: { method: 'GET', queryParams: QUERY_PARAMS },
  },
];

describe('a worker hands its handlers what the in-process handlers get', () => {
  it('the same event, field by field, for every format (over HTTP), received at the web process', async () => {
    const seen: Seen[] = [];
    const inProcess = capturing('in-process', seen, { store: new RedisStore({ client, keyPrefix: `${fresh('a')}:` }) });
    const { web, worker } = webAndWorker(seen);
    const [inProcessUrl, webUrl] = await Promise.all([serve(inProcess), serve(web)]);

    const windows: Array<{ before: number; after: number }> = [];
    for (const sample of SAMPLES) {
      const direct = await sendWebhook(inProcessUrl, sample.payload, sample.send);
      const before = Date.now();
      const queued = await sendWebhook(webUrl, sample.payload, sample.send);
      windows.push({ before, after: Date.now() });
      expect([sample.label, direct.status, direct.body, queued.status, queued.body]).toEqual([
        sample.label,
        200,
        { ok: true },
        200,
        { ok: true },
      ]);
    }
    await delay(300); // the worker starts later: its handlers run well after the receipt
    const workStarted = Date.now();
    worker.work();
    const done = await eventually(() => seen.filter((run) => run.by === 'worker').length === SAMPLES.length);

    expect(done).toBe(true);
    const runs = (by: string): Seen[] => seen.filter((run) => run.by === by);
    expect(runs('web')).toEqual([]);
    expect(runs('in-process')).toHaveLength(SAMPLES.length);
    const byKey = (run: Seen): string => `${run.event.format}|${run.event.uid}|${run.event.id}|${run.event.name}`;
    for (const [index, direct] of runs('in-process').entries()) {
      const fromQueue = runs('worker').find((run) => byKey(run) === byKey(direct));
      if (fromQueue === undefined) throw new Error(`${SAMPLES[index]?.label}: no worker run`);
      const window = windows[index]!;
      // receivedAt: when the web process received it (within its request), not when the worker ran it.
      expect(fromQueue.event.receivedAt).toBeInstanceOf(Date);
      expect(fromQueue.event.receivedAt.getTime()).toBeGreaterThanOrEqual(window.before);
      expect(fromQueue.event.receivedAt.getTime()).toBeLessThanOrEqual(window.after);
      expect(fromQueue.at).toBeGreaterThanOrEqual(workStarted);
      // The two receipts were moments apart: with that one field aligned, every field is the same, strictly
      // (Dates as Dates, params with their prototype, raw as received).
      direct.event.receivedAt = fromQueue.event.receivedAt;
      expect(fromQueue.event).toStrictEqual(direct.event);
      expect([fromQueue.req, direct.req === undefined]).toEqual([undefined, false]);
    }
    expect(new Set(runs('worker').map((run) => run.event.format))).toEqual(
      new Set(['incall-v1', 'aftercall-v1', 'v2', 'query']),
    );
  });

  it('ctx.session from the store: the session an in-process handler gets, event by event of a call', async () => {
    const seen: Seen[] = [];
    const inProcess = capturing('in-process', seen, { store: new RedisStore({ client, keyPrefix: `${fresh('a')}:` }) });
    const { web, worker } = webAndWorker(seen);
    worker.work();
    const call = buildScenario('answered', { uid: 'n2.1596270949.555', index: 3 });
    const receivedAt = Date.now();

    for (const [index, step] of call.steps.entries()) {
      const event = buildCallEvent(plain(step.payload), {}, new Date(receivedAt + index * 1000));
      await inProcess.receive(event);
      expect(await web.receive(event)).toEqual({ duplicate: false, queued: true });
      // One at a time, as MyOperator sends a call's webhooks: the worker's session is as of this event.
      expect(await eventually(() => seen.filter((run) => run.by === 'worker').length === index + 1)).toBe(true);
    }

    const direct = seen.filter((run) => run.by === 'in-process');
    const fromQueue = seen.filter((run) => run.by === 'worker');
    expect(fromQueue.map((run) => run.event.name)).toEqual(call.steps.map((step) => step.event));
    for (const [index, run] of fromQueue.entries()) {
      expect(run.event).toStrictEqual(direct[index]!.event);
      expect(run.session).not.toBeNull();
      expect(run.session).toStrictEqual(direct[index]!.session);
      expect(run.req).toBeUndefined();
    }
    expect(fromQueue.at(-1)?.session).toMatchObject({ uid: call.uid, outcome: 'answered' });
  });
});

describe('de-duplication with a queue', () => {
  it('answers a redelivery while the job waits as a duplicate: no second job, one run', async () => {
    const seen: Seen[] = [];
    const { name, web, worker, workerQueue } = webAndWorker(seen);
    const event = buildCallEvent(buildInCallLog({ uid: 'n2.2.waiting' }));

    const first = await web.receive(event);
    const again = await web.receive(event);
    const countsWhileWaiting = await workerQueue.counts();
    worker.work();
    expect(await eventually(async () => (await workerQueue.counts()).completed === 1)).toBe(true);
    const afterwards = await web.receive(event);
    await delay(300);

    expect([first, again, afterwards]).toEqual([
      { duplicate: false, queued: true },
      { duplicate: true, queued: false },
      { duplicate: true, queued: false },
    ]);
    expect(countsWhileWaiting).toEqual({ waiting: 1, active: 0, delayed: 0, failed: 0, completed: 0 });
    // The job id is the de-duplication key, encoded.
    expect(await admin.exists(`bull:${name}:${queueJobId('n2.2.waiting:incoming_call:1')}`)).toBe(1);
    expect(seen.map((run) => run.by)).toEqual(['worker']);
  });

  it('queues a redelivery whose claim is held but whose job was never stored (a web process died in between)', async () => {
    const seen: Seen[] = [];
    const { prefix, web, worker, workerQueue } = webAndWorker(seen);
    const event = buildCallEvent(buildInCallLog({ uid: 'n2.2.died', call_state: '6' }));
    // What a web process killed between its claim and its enqueue leaves behind: the claim, and no job.
    const died = await new RedisStore({ client, keyPrefix: prefix }).record({
      dedupe: { key: 'n2.2.died:user_answered:6', ttlMs: 60_000 },
      session: null,
    });

    const redelivered = await web.receive(event);
    const countsAfterRedelivery = await workerQueue.counts();
    worker.work();
    expect(await eventually(async () => (await workerQueue.counts()).completed === 1)).toBe(true);
    const again = await web.receive(event);
    await delay(300);

    expect(died).toEqual({ claimed: true, records: null });
    // Still answered as a duplicate (the claim is held), but the event is in the queue now: not lost.
    expect([redelivered, again]).toEqual([
      { duplicate: true, queued: false },
      { duplicate: true, queued: false },
    ]);
    expect(countsAfterRedelivery).toEqual({ waiting: 1, active: 0, delayed: 0, failed: 0, completed: 0 });
    // Once the queue holds the job, a redelivery adds nothing: one run.
    expect(seen.map((run) => [run.by, run.event.uid])).toEqual([['worker', 'n2.2.died']]);
    expect(await workerQueue.counts()).toEqual({ waiting: 0, active: 0, delayed: 0, failed: 0, completed: 1 });
  });

  it('never runs an event twice once its completed job is dropped: the job id is refused for the dedupe TTL', async () => {
    const seen: Seen[] = [];
    const { name, web, worker, workerQueue } = webAndWorker(seen, { calls: { dedupe: { ttlMs: 60_000 } } });
    const event = buildCallEvent(buildInCallLog({ uid: 'n2.2.dropped', call_state: '6' }));
    const id = queueJobId('n2.2.dropped:user_answered:6');

    const first = await web.receive(event);
    worker.work();
    expect(await eventually(async () => (await workerQueue.counts()).completed === 1)).toBe(true);
    // What BullMQ does to the oldest completed jobs past KEEP_COMPLETED's count: the job is gone.
    await admin.del(`bull:${name}:${id}`);
    await admin.zrem(`bull:${name}:completed`, id);
    const redelivered = await web.receive(event);
    await delay(300);

    expect([first, redelivered]).toEqual([
      { duplicate: false, queued: true },
      { duplicate: true, queued: false },
    ]);
    // The redelivery was offered to the queue again (a claim without a job looks the same), which refused it.
    expect(await workerQueue.counts()).toEqual({ waiting: 0, active: 0, delayed: 0, failed: 0, completed: 0 });
    expect(seen.map((run) => run.by)).toEqual(['worker']);
    const ttl = await admin.pttl(`bull:${name}:de:${id}`);
    expect(ttl).toBeGreaterThan(50_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });

  it('refuses a second job by its id when the store cannot tell (down): while waiting and while running', async () => {
    const seen: Seen[] = [];
    const held = gate();
    const storeDown = await startRedis();
    const downClient = connect(storeDown);
    toClose.push(async () => {
      downClient.disconnect();
      await storeDown.stop();
    });
    await downClient.ping();
    await storeDown.stop();
    const { name, web, worker, workerQueue } = webAndWorker(seen, {
      calls: { store: new RedisStore({ client: downClient, timeoutMs: 200 }), storeTimeoutMs: 200 },
      run: () => held.promise,
    });
    const errors = errorsOf(web);
    const event = buildCallEvent(buildInCallLog({ uid: 'n2.2.nostore', call_state: '5' }));

    const whileWaiting = [await web.receive(event), await web.receive(event)];
    const countsWhileWaiting = await workerQueue.counts();
    worker.work();
    expect(await eventually(() => seen.length === 1)).toBe(true);
    const whileRunning = await web.receive(event);
    const countsWhileRunning = await workerQueue.counts();
    held.open();
    expect(await eventually(async () => (await workerQueue.counts()).completed === 1)).toBe(true);
    await delay(300);

    // The store could not claim, so each delivery was queued: the queue took the job once.
    expect([...whileWaiting, whileRunning]).toEqual(Array(3).fill({ duplicate: false, queued: true }));
    expect(countsWhileWaiting).toMatchObject({ waiting: 1, active: 0 });
    expect(countsWhileRunning).toMatchObject({ waiting: 0, active: 1 });
    expect(await workerQueue.counts()).toEqual({ waiting: 0, active: 0, delayed: 0, failed: 0, completed: 1 });
    expect(seen.map((run) => run.by)).toEqual(['worker']);
    expect(await admin.keys(`bull:${name}:k_*`)).toEqual([
      `bull:${name}:${queueJobId('n2.2.nostore:dialing_users:5')}`,
    ]);
    await eventually(() => errors.length === 3);
    expect(errors.map((error) => error.constructor)).toEqual([StoreError, StoreError, StoreError]);
  });

  it('gives an event without a key a random job id; it runs once per delivery', async () => {
    const seen: Seen[] = [];
    const { name, web, worker, workerQueue } = webAndWorker(seen, { calls: { dedupe: { key: () => null } } });
    const event = buildCallEvent(buildInCallLog({ uid: 'n2.2.nokey' }));

    const results = [await web.receive(event), await web.receive(event)];
    worker.work();
    expect(await eventually(async () => (await workerQueue.counts()).completed === 2)).toBe(true);
    await delay(300);

    expect(results).toEqual([
      { duplicate: false, queued: true },
      { duplicate: false, queued: true },
    ]);
    const ids = (await admin.keys(`bull:${name}:[rk]_*`)).map((key) => key.slice(`bull:${name}:`.length));
    expect(ids).toHaveLength(2);
    for (const id of ids) expect(id).toMatch(/^r_[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(seen.map((run) => [run.by, run.event.uid])).toEqual([
      ['worker', 'n2.2.nokey'],
      ['worker', 'n2.2.nokey'],
    ]);
  });
});

describe('retries, the failed set and running it again', () => {
  it('reports every failure with its attempt, keeps the job and its claim, and retryFailed() runs it again', async () => {
    const seen: Seen[] = [];
    let failing = true;
    const { web, worker, workerQueue } = webAndWorker(seen, {
      queue: { attempts: 3, backoffMs: 50 },
      run: () => {
        if (failing) throw new Error('CRM refused +919711636496');
      },
    });
    const errors = errorsOf(worker);
    const webErrors = errorsOf(web);
    const event = buildCallEvent(buildInCallLog({ uid: 'n2.3.fails', call_state: '6' }));
    expect(await web.receive(event)).toEqual({ duplicate: false, queued: true });

    worker.work();
    expect(await eventually(async () => (await workerQueue.counts()).failed === 1)).toBe(true);
    expect(await eventually(() => errors.length === 3)).toBe(true);
    await delay(300); // no fourth attempt
    const redelivered = await web.receive(event);
    const countsWhenFailed = await workerQueue.counts();
    failing = false;
    const retried = await worker.retryFailed();
    expect(await eventually(async () => (await workerQueue.counts()).completed === 1)).toBe(true);

    expect(
      errors.map((error) => [error.constructor, (error as HandlerError).attempt, (error as HandlerError).attempts]),
    ).toEqual([
      [HandlerError, 1, 3],
      [HandlerError, 2, 3],
      [HandlerError, 3, 3],
    ]);
    expect(errors.every((error) => error.event.uid === 'n2.3.fails')).toBe(true);
    expect((errors[0] as HandlerError).errors.map((error) => (error as Error).message)).toEqual([
      'CRM refused +919711636496',
    ]);
    // Out of attempts, the job stays in the failed set and its claim is kept: a redelivery is a duplicate.
    expect(redelivered).toEqual({ duplicate: true, queued: false });
    expect(countsWhenFailed).toEqual({ waiting: 0, active: 0, delayed: 0, failed: 1, completed: 0 });
    expect(retried).toBe(1);
    expect(seen.map((run) => run.by)).toEqual(['worker', 'worker', 'worker', 'worker']);
    expect(await workerQueue.counts()).toEqual({ waiting: 0, active: 0, delayed: 0, failed: 0, completed: 1 });
    expect(webErrors).toEqual([]);
  });

  it('the CLI counts the failed job (queue status --json) and runs it again (queue retry)', async () => {
    assertBuilt();
    const seen: Seen[] = [];
    let failing = true;
    const { name, web, worker, workerQueue } = webAndWorker(seen, {
      queue: { attempts: 2, backoffMs: 10 },
      run: () => {
        if (failing) throw new Error('down');
      },
    });
    for (const state of ['1', '2'])
      await web.receive(buildCallEvent(buildInCallLog({ uid: 'n2.3.cli', call_state: state })));
    worker.work();
    expect(await eventually(async () => (await workerQueue.counts()).failed === 2)).toBe(true);
    await web.receive(buildCallEvent(buildInCallLog({ uid: 'n2.3.cli', call_state: '6' })));
    expect(await eventually(async () => (await workerQueue.counts()).failed === 3)).toBe(true);

    const status = await runCli(['queue', 'status', '--redis', server.url, '--name', name, '--json']);
    failing = false;
    const retry = await runCli(['queue', 'retry', '--redis', server.url, '--name', name, '--json']);
    expect(await eventually(async () => (await workerQueue.counts()).completed === 3)).toBe(true);
    const after = await runCli(['queue', 'status', '--redis', server.url, '--name', name, '--json']);

    expect(status).toEqual({
      code: 0,
      stdout: '{"waiting":0,"active":0,"delayed":0,"failed":3,"completed":0}\n',
      stderr: '',
    });
    expect(retry).toEqual({ code: 0, stdout: '{"retried":3}\n', stderr: '' });
    expect(after.stdout).toBe('{"waiting":0,"active":0,"delayed":0,"failed":0,"completed":3}\n');
    // 2 attempts each, then one run each after the retry.
    expect(seen).toHaveLength(3 * 2 + 3);
  });
});

describe('calls.close()', () => {
  it('closes the worker gracefully: the job in hand finishes and is recorded, no job starts after', async () => {
    const seen: Seen[] = [];
    const held = gate();
    const finished: string[] = [];
    const { name, web, worker } = webAndWorker(seen, {
      run: async () => {
        await held.promise;
        finished.push('done');
      },
    });
    await web.receive(buildCallEvent(buildInCallLog({ uid: 'n2.4.inhand' })));
    worker.work();
    expect(await eventually(() => seen.length === 1)).toBe(true);

    let closed = false;
    const closing = worker.close({ timeoutMs: 10_000 }).then((result) => {
      closed = true;
      return result;
    });
    await delay(300);
    const closedTooSoon = closed;
    const refused = await worker.receive(buildCallEvent(buildInCallLog({ uid: 'n2.4.late' }))).then(
      () => 'received',
      (error: unknown) => (error as { code?: string }).code,
    );
    await web.receive(buildCallEvent(buildInCallLog({ uid: 'n2.4.after' })));
    held.open();
    const result = await closing;
    await delay(300);

    expect([closedTooSoon, result, finished]).toEqual([false, { pending: 0 }, ['done']]);
    expect(refused).toBe('shutting_down');
    expect(seen.map((run) => run.event.uid)).toEqual(['n2.4.inhand']);
    // The job in hand was recorded as completed; the one enqueued meanwhile waits for another worker.
    expect(await queueFor(name).counts()).toEqual({ waiting: 1, active: 0, delayed: 0, failed: 0, completed: 1 });
  });
});

describe('Redis unavailable at receipt', () => {
  let other: RedisServer;
  let otherClient: ReturnType<typeof connect>;

  beforeEach(async () => {
    other = await startRedis();
    otherClient = connect(other);
    await otherClient.ping();
  });

  afterEach(async () => {
    // What ran on it first (its queues close while it still answers), then the server.
    for (const close of toClose.splice(0)) await close().catch(() => {});
    otherClient.disconnect();
    await other.stop();
  });

  /** A web CallEvents whose queue (and store, unless given) live on `other`, and its HTTP endpoint. */
  async function webOnOther(
    seen: Seen[],
    options: CallEventsOptions,
    run?: () => unknown,
  ): Promise<{ web: CallEvents; url: string; errors: CallEventsError[]; queue: BullMQQueue }> {
    const queue = new BullMQQueue({ connection: otherClient, name: fresh('calls') });
    toClose.push(() => queue.close());
    await queue.counts(); // connected and ready before Redis goes away
    const web = capturing('web', seen, { queue, ...options }, run);
    return { web, url: await serve(web), errors: errorsOf(web), queue };
  }

  async function timed<T>(operation: Promise<T>): Promise<{ value: T; ms: number }> {
    const started = performance.now();
    const value = await operation;
    return { value, ms: performance.now() - started };
  }

  it('stopped: the handlers run here, a QueueError reaches onError, receive() and HTTP answer in time', async () => {
    const storeTimeoutMs = 400;
    const seen: Seen[] = [];
    const { web, url, errors } = await webOnOther(seen, {
      store: new RedisStore({ client: otherClient }),
      storeTimeoutMs,
    });
    await other.stop();

    const received = await timed(web.receive(buildCallEvent(buildInCallLog({ uid: 'n2.5.down' }))));
    const answered = await timed(sendWebhook(url, buildInCallLog({ uid: 'n2.5.down-http' })));
    expect(await eventually(() => errors.filter((error) => error instanceof QueueError).length === 2)).toBe(true);

    expect(received.value).toEqual({ duplicate: false, queued: false });
    expect([answered.value.status, answered.value.body]).toEqual([200, { ok: true }]);
    // The store waits for Redis up to its deadline; the queue refuses at once: one deadline in all, at most.
    for (const { ms } of [received, answered]) expect(ms).toBeLessThan(storeTimeoutMs + 500);
    expect(seen.map((run) => [run.by, run.event.uid, run.req === undefined])).toEqual([
      ['web', 'n2.5.down', true],
      ['web', 'n2.5.down-http', false],
    ]);
    const queueErrors = errors.filter((error): error is QueueError => error instanceof QueueError);
    expect(queueErrors.map((error) => [error.code, error.event.uid])).toEqual([
      ['queue_failed', 'n2.5.down'],
      ['queue_failed', 'n2.5.down-http'],
    ]);
    expect(errors.filter((error) => error instanceof StoreError)).toHaveLength(2);
  });

  it('stopped, then back: a redelivery of an event handled here is not queued; one whose handlers failed here is', async () => {
    const seen: Seen[] = [];
    let failing = false;
    const { web, queue } = await webOnOther(seen, { store: new MemoryStore(), storeTimeoutMs: 400 }, () => {
      if (failing) throw new Error('the CRM is down too');
    });
    const handled = buildCallEvent(buildInCallLog({ uid: 'n2.5.back-handled', call_state: '6' }));
    const failed = buildCallEvent(buildInCallLog({ uid: 'n2.5.back-failed', call_state: '6' }));
    await other.stop();

    const first = await web.receive(handled);
    failing = true;
    const firstFailure = await web.receive(failed).then(
      () => null,
      (error: unknown) => error,
    );
    failing = false;
    await other.restart();
    expect(
      await eventually(() =>
        queue.counts().then(
          () => true,
          () => false,
        ),
      ),
    ).toBe(true);
    const redeliveredHandled = await web.receive(handled);
    const redeliveredFailed = await web.receive(failed);

    expect(first).toEqual({ duplicate: false, queued: false });
    expect(firstFailure).toBeInstanceOf(HandlerError);
    // Handled here: the claim holds and the queue is not given the event (a worker would run it again).
    expect(redeliveredHandled).toEqual({ duplicate: true, queued: false });
    // Failed here: the claim was given back, so the redelivery is a new delivery, queued this time.
    expect(redeliveredFailed).toEqual({ duplicate: false, queued: true });
    expect(await queue.counts()).toEqual({ waiting: 1, active: 0, delayed: 0, failed: 0, completed: 0 });
    expect(seen.map((run) => [run.by, run.event.uid])).toEqual([
      ['web', 'n2.5.back-handled'],
      ['web', 'n2.5.back-failed'],
    ]);
  });

  it('hung (CLIENT PAUSE): the enqueue gives up at storeTimeoutMs, the handlers run here, never a hung request', async () => {
    const storeTimeoutMs = 300;
    const seen: Seen[] = [];
    const { web, url, errors } = await webOnOther(seen, { store: new MemoryStore(), storeTimeoutMs });
    await otherClient.call('CLIENT', 'PAUSE', '3000', 'ALL');

    const received = await timed(web.receive(buildCallEvent(buildInCallLog({ uid: 'n2.5.hung' }))));
    const answered = await timed(sendWebhook(url, buildInCallLog({ uid: 'n2.5.hung-http' })));
    expect(await eventually(() => errors.length === 2)).toBe(true);

    expect(received.value).toEqual({ duplicate: false, queued: false });
    expect([answered.value.status, answered.value.body]).toEqual([200, { ok: true }]);
    for (const { ms } of [received, answered]) {
      expect(ms).toBeGreaterThanOrEqual(storeTimeoutMs - 10);
      expect(ms).toBeLessThan(storeTimeoutMs + 500);
    }
    expect(seen.map((run) => [run.by, run.event.uid])).toEqual([
      ['web', 'n2.5.hung'],
      ['web', 'n2.5.hung-http'],
    ]);
    expect(errors.map((error) => [error.constructor, error.code])).toEqual([
      [QueueError, 'queue_failed'],
      [QueueError, 'queue_failed'],
    ]);
  });
});
