// BullMQQueue against a real redis-server: options, enqueue and de-duplication by job id, attempts and back-off,
// the failed set and retryFailed(), counts, graceful worker close, whose connections it closes, ioredis 6.

import { Queue } from 'bullmq';
import { Redis as Redis6 } from 'ioredis6';

import { BullMQQueue, KEEP_COMPLETED, type BullMQQueueOptions } from '../../lib/bullmq';
import type { CallQueueJob, CallQueueWorkOptions } from '../../lib/queue/call-queue';
import { deserializeCallEvent, queueJobId } from '../../lib/queue/serialize';
import { watchProcess, type ProcessGuard } from '../reliability/helpers/process-guard';
import { startRedis, type RedisServer } from '../helpers/redis-server';
import { clientCount, connect, delay, eventually, gate, queuedEvent } from './helpers';

jest.setTimeout(60_000);

let server: RedisServer;
let admin: ReturnType<typeof connect>;
let client: ReturnType<typeof connect>;
let unique = 0;
const fresh = (label: string): string => `${label}-${process.pid}-${++unique}`;
const open: BullMQQueue[] = [];

/** A queue on the shared test server (closed after each test). */
function createQueue(options: Partial<BullMQQueueOptions> = {}): BullMQQueue {
  const queue = new BullMQQueue({ connection: client, name: fresh('calls'), ...options });
  open.push(queue);
  return queue;
}

/** A processor from a synchronous function (a throw is a rejection, as from an async handler). */
function processor(run: (job: CallQueueJob) => void): (job: CallQueueJob) => Promise<void> {
  return (job) =>
    new Promise((resolve) => {
      run(job);
      resolve();
    });
}

/** The job's hash as BullMQ stored it. */
async function storedJob(name: string, id: string, prefix = 'bull'): Promise<Record<string, string>> {
  return admin.hgetall(`${prefix}:${name}:${id}`);
}

let guard: ProcessGuard;

beforeAll(async () => {
  server = await startRedis();
  admin = connect(server);
  client = connect(server);
  await client.ping();
});

beforeEach(() => {
  guard = watchProcess();
});

afterEach(async () => {
  await Promise.all(open.splice(0).map((queue) => queue.close()));
  guard.stop();
  expect(guard.fired).toEqual([]);
});

afterAll(async () => {
  client.disconnect();
  admin.disconnect();
  await server.stop();
});

describe('new BullMQQueue(options)', () => {
  const expectOptionError = (create: () => unknown, fragment: string): void => {
    expect(create).toThrow(TypeError);
    expect(create).toThrow(`[myoperator-webhooks] BullMQQueue: ${fragment}`);
  };

  it.each([
    ['no options', undefined, '"connection" is required'],
    ['null options', null, 'options must be an object'],
    ['no connection', { name: 'calls' }, '"connection" is required'],
    [
      'a URL string as connection',
      { connection: 'redis://127.0.0.1', name: 'calls' },
      '"connection" must be ioredis options',
    ],
    ['no name', { connection: {} }, '"name" must be a non-empty string without ":"'],
    ['an empty name', { connection: {}, name: '' }, '"name" must be a non-empty string'],
    ['a name with ":"', { connection: {}, name: 'my:calls' }, '"name" must be a non-empty string without ":"'],
    ['an empty prefix', { connection: {}, name: 'calls', prefix: '' }, '"prefix" must be a non-empty string'],
    ['attempts 0', { connection: {}, name: 'calls', attempts: 0 }, '"attempts" must be an integer >= 1'],
    ['attempts 1.5', { connection: {}, name: 'calls', attempts: 1.5 }, '"attempts" must be an integer >= 1'],
    ['attempts as text', { connection: {}, name: 'calls', attempts: '3' }, '"attempts" must be an integer >= 1'],
    ['a negative backoffMs', { connection: {}, name: 'calls', backoffMs: -1 }, '"backoffMs" must be an integer >= 0'],
    ['a typo', { connection: {}, name: 'calls', attempt: 3 }, 'unknown option "attempt"'],
    [
      'an ioredis keyPrefix',
      { connection: { keyPrefix: 'app:' }, name: 'calls' },
      '"connection" must not set an ioredis keyPrefix',
    ],
    [
      'a Redis Cluster',
      { connection: { isCluster: true, connect() {}, disconnect() {}, duplicate() {}, options: {} }, name: 'calls' },
      '"connection" must be a single Redis server or a Sentinel primary, not a Cluster',
    ],
  ])('refuses %s', (_label, options, fragment) => {
    expectOptionError(() => new BullMQQueue(options as BullMQQueueOptions), fragment);
  });

  it('refuses a client with a keyPrefix without touching it', () => {
    const prefixed = {
      connect() {},
      disconnect() {},
      duplicate: jest.fn(),
      options: { keyPrefix: 'app:' },
      status: 'ready',
    };

    expectOptionError(
      () => new BullMQQueue({ connection: prefixed, name: 'calls' }),
      '"connection" must not set an ioredis keyPrefix',
    );
    expect(prefixed.duplicate).not.toHaveBeenCalled();
  });

  it('reads frozen options, counts undefined keys as absent, and changes neither the options nor the client', async () => {
    const connection = Object.freeze({ host: '127.0.0.1', port: server.port });
    const options = Object.freeze({ connection, name: fresh('calls'), attempts: 2, backoffMs: undefined, prefix: 'p' });
    const before = JSON.stringify(options);

    // `undefined` for an option, as JavaScript callers write it.
    const queue = new BullMQQueue(options as unknown as ConstructorParameters<typeof BullMQQueue>[0]);
    open.push(queue);
    await queue.enqueue('k_frozen', queuedEvent('n2.1.frozen'));

    expect(JSON.stringify(options)).toBe(before);
    expect(JSON.parse((await storedJob(options.name, 'k_frozen', 'p')).opts ?? '{}')).toMatchObject({ attempts: 2 });
  });

  it('takes options without a prototype', async () => {
    const options = Object.assign(Object.create(null) as object, {
      connection: client,
      name: fresh('calls'),
    }) as BullMQQueueOptions;

    const queue = new BullMQQueue(options);
    open.push(queue);

    await expect(queue.counts()).resolves.toEqual({ waiting: 0, active: 0, delayed: 0, failed: 0, completed: 0 });
  });
});

describe('enqueue()', () => {
  it('stores the job under its id with the queue settings, named after the event', async () => {
    const name = fresh('calls');
    const queue = createQueue({ name, attempts: 4, backoffMs: 250, prefix: 'myapp' });
    const data = queuedEvent('n2.1.stored', '6');

    await queue.enqueue('k_stored', data);

    const stored = await storedJob(name, 'k_stored', 'myapp');
    expect(stored.name).toBe('user_answered');
    expect(JSON.parse(stored.data ?? '')).toEqual(data);
    expect(JSON.parse(stored.opts ?? '')).toEqual({
      attempts: 4,
      backoff: { type: 'exponential', delay: 250 },
      removeOnComplete: { age: KEEP_COMPLETED.age, count: KEEP_COMPLETED.count },
      removeOnFail: false,
      stackTraceLimit: 0,
      jobId: 'k_stored',
    });
    expect(await queue.counts()).toEqual({ waiting: 1, active: 0, delayed: 0, failed: 0, completed: 0 });
  });

  it('does not add a job whose id the queue holds: waiting, then completed', async () => {
    const queue = createQueue();
    const runs: string[] = [];

    await queue.enqueue('k_twice', queuedEvent('n2.1.first'));
    await queue.enqueue('k_twice', queuedEvent('n2.1.second'));
    expect((await queue.counts()).waiting).toBe(1);
    const worker = queue.work(
      processor((job) => {
        runs.push(deserializeCallEvent(job.data.event).uid ?? '');
      }),
      { concurrency: 1 },
    );
    expect(await eventually(async () => (await queue.counts()).completed === 1)).toBe(true);
    await queue.enqueue('k_twice', queuedEvent('n2.1.third'));
    await delay(300);
    await worker.close();

    expect(runs).toEqual(['n2.1.first']);
    expect(await queue.counts()).toEqual({ waiting: 0, active: 0, delayed: 0, failed: 0, completed: 1 });
  });

  it('takes every id queueJobId() makes, whatever the key', async () => {
    const queue = createQueue();
    const keys = ['123', 'a:b', 'a:b:c', ':', '%3A', '', 'v2:ev_1', `${'x'.repeat(300)}:call_finished:2`, 'नमस्ते:1'];

    for (const key of keys) await queue.enqueue(queueJobId(key), queuedEvent(`n2.1.${keys.indexOf(key)}`));
    await queue.enqueue(queueJobId(null), queuedEvent('n2.1.nokey'));

    expect((await queue.counts()).waiting).toBe(keys.length + 1);
  });
});

describe('work()', () => {
  it('hands the processor the id, the data as enqueued, the attempt (1-based) and the attempts', async () => {
    const queue = createQueue({ attempts: 3 });
    const data = queuedEvent('n2.1.handed', '5');
    const seen: CallQueueJob[] = [];
    await queue.enqueue('k_handed', data);

    const worker = queue.work(
      processor((job) => {
        seen.push(job);
      }),
      { concurrency: 1 },
    );
    expect(await eventually(() => seen.length === 1)).toBe(true);
    await worker.close();

    expect(seen).toEqual([{ id: 'k_handed', data, attempt: 1, attempts: 3 }]);
  });

  it('retries a failing job with exponential back-off, then keeps it in the failed set', async () => {
    const queue = createQueue({ attempts: 3, backoffMs: 100 });
    const runs: Array<{ attempt: number; attempts: number; at: number }> = [];
    await queue.enqueue('k_failing', queuedEvent('n2.1.failing'));

    const worker = queue.work(
      processor((job) => {
        runs.push({ attempt: job.attempt, attempts: job.attempts, at: Date.now() });
        throw new Error('CRM refused +919711636496');
      }),
      { concurrency: 1 },
    );
    expect(await eventually(async () => (await queue.counts()).failed === 1)).toBe(true);
    await delay(400); // no fourth run comes
    await worker.close();

    expect(runs.map(({ attempt, attempts }) => [attempt, attempts])).toEqual([
      [1, 3],
      [2, 3],
      [3, 3],
    ]);
    const [first, second, third] = runs.map((run) => run.at);
    // At least the back-off: 100 ms, then 200 ms (BullMQ may start a retry later, never sooner).
    expect([(second ?? 0) - (first ?? 0) >= 95, (third ?? 0) - (second ?? 0) >= 195]).toEqual([true, true]);
    expect(await queue.counts()).toEqual({ waiting: 0, active: 0, delayed: 0, failed: 1, completed: 0 });
  });

  it("stores a failure without the handler's text or stack", async () => {
    const name = fresh('calls');
    const named = createQueue({ name, attempts: 1 });
    await named.enqueue('k_secret', queuedEvent('n2.1.secret'));

    const worker = named.work(
      processor(() => {
        throw new Error('CRM refused token-7731');
      }),
      { concurrency: 1 },
    );
    expect(await eventually(async () => (await named.counts()).failed === 1)).toBe(true);
    await worker.close();

    const stored = await storedJob(name, 'k_secret');
    expect([stored.failedReason, stored.stacktrace]).toEqual(['The job failed', '[]']);
    expect(JSON.stringify(stored)).not.toContain('token-7731');
  });

  it('fails a job that holds no call event at once, without calling the processor', async () => {
    const name = fresh('calls');
    const queue = createQueue({ name, attempts: 5 });
    const foreign = new Queue(name, { connection: client });
    await foreign.add('other', { hello: 'world' }, { jobId: 'foreign', attempts: 5 });
    await foreign.close();
    const processor = jest.fn(async () => {});

    const worker = queue.work(processor, { concurrency: 1 });
    expect(await eventually(async () => (await queue.counts()).failed === 1)).toBe(true);
    await worker.close();

    expect(processor).not.toHaveBeenCalled();
    expect(await storedJob(name, 'foreign')).toMatchObject({ failedReason: 'The job holds no call event', atm: '1' });
  });

  it('runs up to `concurrency` jobs at once', async () => {
    const queue = createQueue();
    const held = gate();
    let running = 0;
    let most = 0;
    for (let index = 0; index < 6; index++) await queue.enqueue(`k_c${index}`, queuedEvent(`n2.1.c${index}`));

    const worker = queue.work(
      async () => {
        running++;
        most = Math.max(most, running);
        await held.promise;
        running--;
      },
      { concurrency: 3 },
    );
    expect(await eventually(() => running === 3)).toBe(true);
    await delay(200);
    expect(await queue.counts()).toMatchObject({ active: 3, waiting: 3 });
    held.open();
    expect(await eventually(async () => (await queue.counts()).completed === 6)).toBe(true);
    await worker.close();

    expect(most).toBe(3);
  });

  it('reads frozen work options and leaves them as they were', async () => {
    const queue = createQueue();
    const options = Object.freeze({ concurrency: 2, lockDuration: 5000, stalledInterval: undefined });
    const before = JSON.stringify(options);

    // `undefined` for an option, as JavaScript callers write it.
    const worker = queue.work(() => Promise.resolve(), options as unknown as CallQueueWorkOptions);
    await worker.close();

    expect(JSON.stringify(options)).toBe(before);
  });

  it.each([
    ['no options', undefined, '"concurrency" is required'],
    ['null options', null, 'options must be an object'],
    ['no concurrency', {}, '"concurrency" is required'],
    ['concurrency 0', { concurrency: 0 }, '"concurrency" must be an integer >= 1'],
    ['lockDuration 0', { concurrency: 1, lockDuration: 0 }, '"lockDuration" must be an integer >= 1'],
    ['stalledInterval as text', { concurrency: 1, stalledInterval: '5' }, '"stalledInterval" must be an integer >= 1'],
    ['onError not a function', { concurrency: 1, onError: 'log' }, '"onError" must be a function'],
    ['a typo', { concurrency: 1, lockDurationMs: 5 }, 'unknown option "lockDurationMs"'],
  ])('refuses %s', (_label, options, fragment) => {
    const queue = createQueue();

    const start = (): unknown => queue.work(async () => {}, options as never);

    expect(start).toThrow(TypeError);
    expect(start).toThrow(`[myoperator-webhooks] BullMQQueue.work: ${fragment}`);
  });
});

describe('retryFailed()', () => {
  it('moves every failed job back with fresh attempts, resolves how many, and leaves others alone', async () => {
    const queue = createQueue({ attempts: 2, backoffMs: 10 });
    let failing = true;
    const runs: Array<[string, number]> = [];
    for (const index of [1, 2, 3]) await queue.enqueue(`k_r${index}`, queuedEvent(`n2.1.r${index}`));
    const worker = queue.work(
      processor((job) => {
        runs.push([job.id, job.attempt]);
        if (failing && job.id !== 'k_r3') throw new Error('down');
      }),
      { concurrency: 1 },
    );
    expect(await eventually(async () => (await queue.counts()).failed === 2)).toBe(true);
    expect((await queue.counts()).completed).toBe(1);
    failing = false;
    runs.length = 0;

    const retried = await queue.retryFailed();

    expect(retried).toBe(2);
    expect(await eventually(async () => (await queue.counts()).completed === 3)).toBe(true);
    await worker.close();
    expect(runs.sort()).toEqual([
      ['k_r1', 1],
      ['k_r2', 1],
    ]);
    expect(await queue.counts()).toEqual({ waiting: 0, active: 0, delayed: 0, failed: 0, completed: 3 });
    expect(await queue.retryFailed()).toBe(0);
  });

  it('retries a failed set larger than one page', async () => {
    const queue = createQueue({ attempts: 1 });
    const total = 1203;
    const data = queuedEvent('n2.1.page');
    await Promise.all(Array.from({ length: total }, (_, index) => queue.enqueue(`k_p${index}`, data)));
    const worker = queue.work(
      processor(() => {
        throw new Error('down');
      }),
      { concurrency: 50 },
    );
    expect(await eventually(async () => (await queue.counts()).failed === total, 30_000)).toBe(true);
    await worker.close();

    expect(await queue.retryFailed()).toBe(total);
    expect(await queue.counts()).toEqual({ waiting: total, active: 0, delayed: 0, failed: 0, completed: 0 });
  });
});

describe('counts()', () => {
  it('counts waiting, active, delayed, failed and completed jobs', async () => {
    const name = fresh('calls');
    const queue = createQueue({ name, attempts: 2, backoffMs: 60_000 });
    // Jobs carry their own settings: one enqueued by a queue that gives a single attempt.
    const once = createQueue({ name, attempts: 1 });
    const held = gate();
    await queue.enqueue('k_done', queuedEvent('n2.1.done'));
    await once.enqueue('k_dead', queuedEvent('n2.1.dead'));
    await queue.enqueue('k_later', queuedEvent('n2.1.later'));
    await queue.enqueue('k_busy', queuedEvent('n2.1.busy'));
    const worker = queue.work(
      async (job) => {
        if (job.id === 'k_later' || job.id === 'k_dead') throw new Error('down');
        if (job.id === 'k_busy') await held.promise;
      },
      { concurrency: 1 },
    );
    expect(await eventually(async () => (await queue.counts()).active === 1)).toBe(true);
    await queue.enqueue('k_waiting', queuedEvent('n2.1.waiting'));

    const counts = await queue.counts();

    held.open();
    await worker.close();
    expect(counts).toEqual({ waiting: 1, active: 1, delayed: 1, failed: 1, completed: 1 });
  });
});

describe('close()', () => {
  it('closes a worker gracefully: the job in hand finishes first, and no job starts after', async () => {
    const queue = createQueue();
    const held = gate();
    const started = gate();
    const finished: string[] = [];
    await queue.enqueue('k_inhand', queuedEvent('n2.1.inhand'));
    const worker = queue.work(
      async (job) => {
        started.open();
        await held.promise;
        finished.push(job.id);
      },
      { concurrency: 1 },
    );
    await started.promise;

    let closed = false;
    const closing = worker.close().then(() => {
      closed = true;
    });
    await delay(300);
    const closedBeforeTheJobEnded = closed;
    held.open();
    await closing;
    await queue.enqueue('k_after', queuedEvent('n2.1.after'));
    await delay(300);

    expect([closedBeforeTheJobEnded, finished]).toEqual([false, ['k_inhand']]);
    expect(await queue.counts()).toEqual({ waiting: 1, active: 0, delayed: 0, failed: 0, completed: 1 });
  });

  it('closes its workers and its own connections, never the client it was given', async () => {
    // The spec's own two clients, once the connections of earlier tests are gone.
    expect(await eventually(async () => (await clientCount(admin)) === 2)).toBe(true);
    const queue = createQueue();
    await queue.enqueue('k_conn', queuedEvent('n2.1.conn'));
    const worker = queue.work(async () => {}, { concurrency: 2 });
    expect(await eventually(async () => (await queue.counts()).completed === 1)).toBe(true);
    const whileOpen = await clientCount(admin);

    await queue.close();
    await worker.close(); // already closed by the queue: harmless

    expect(whileOpen).toBe(2 + 3); // the queue's, the worker's and its blocking one
    expect(await eventually(async () => (await clientCount(admin)) === 2)).toBe(true);
    expect([client.status, await client.ping()]).toEqual(['ready', 'PONG']);
    await expect(queue.enqueue('k_closed', queuedEvent('n2.1.closed'))).rejects.toThrow('the queue is closed');
    expect(() => queue.work(async () => {}, { concurrency: 1 })).toThrow('the queue is closed');
    await queue.close();
  });
});

describe('connections', () => {
  it('works on ioredis options ({ host, port } and { url }), opening and closing its own clients', async () => {
    expect(await eventually(async () => (await clientCount(admin)) === 2)).toBe(true);
    for (const connection of [{ host: '127.0.0.1', port: server.port }, { url: server.url }]) {
      const queue = new BullMQQueue({ connection, name: fresh('calls') });
      const runs: string[] = [];
      await eventually(async () =>
        queue.enqueue('k_opts', queuedEvent('n2.1.opts')).then(
          () => true,
          () => false,
        ),
      );
      const worker = queue.work(
        processor((job) => {
          runs.push(job.id);
        }),
        { concurrency: 1 },
      );
      expect(await eventually(() => runs.length === 1)).toBe(true);
      await worker.close();
      await queue.close();
      expect(runs).toEqual(['k_opts']);
    }
    expect(await eventually(async () => (await clientCount(admin)) === 2)).toBe(true);
  });

  it('works on an ioredis 6 client: enqueue, de-duplication, work, retry, counts', async () => {
    const client6 = new Redis6(server.url);
    client6.on('error', () => {});
    try {
      const queue = createQueue({ connection: client6, attempts: 1 });
      let fail = true;
      const runs: number[] = [];
      await queue.enqueue('k_six', queuedEvent('n2.1.six'));
      await queue.enqueue('k_six', queuedEvent('n2.1.six'));
      const worker = queue.work(
        processor((job) => {
          runs.push(job.attempt);
          if (fail) throw new Error('once');
        }),
        { concurrency: 1 },
      );
      expect(await eventually(async () => (await queue.counts()).failed === 1)).toBe(true);
      fail = false;
      expect(await queue.retryFailed()).toBe(1);
      expect(await eventually(async () => (await queue.counts()).completed === 1)).toBe(true);
      await queue.close();
      await worker.close();

      expect(runs).toEqual([1, 1]);
      expect([client6.status, await client6.ping()]).toEqual(['ready', 'PONG']);
    } finally {
      client6.disconnect();
    }
  });
});
