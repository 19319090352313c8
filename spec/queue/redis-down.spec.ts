// BullMQQueue when Redis goes away: enqueueing fails at once (never a hang), a job given up on is never stored
// later (after a reconnect), workers ride the outage out, and close() still returns.

import { Queue } from 'bullmq';

import { BullMQQueue, QueueUnavailableError } from '../../lib/bullmq';
import { startRedis, type RedisServer } from '../helpers/redis-server';
import { connect, delay, eventually, queuedEvent } from './helpers';

jest.setTimeout(60_000);

let server: RedisServer;
let admin: ReturnType<typeof connect>;
let unique = 0;
const fresh = (label: string): string => `${label}-${process.pid}-${++unique}`;
const open: Array<{ close(): Promise<unknown> }> = [];

beforeAll(async () => {
  server = await startRedis();
  admin = connect(server);
});

afterEach(async () => {
  await server.restart(); // every test starts on a running (empty) Redis
  await Promise.all(open.splice(0).map((each) => each.close().catch(() => {})));
});

afterAll(async () => {
  await admin.ping(); // reconnected after the last restart: quit then closes at once
  await admin.quit();
  await server.stop();
});

/** Resolves how long `operation` took to settle, and how it settled. */
async function timed(operation: Promise<unknown>): Promise<{ ms: number; error: unknown }> {
  const started = performance.now();
  const error = await operation.then(
    () => null,
    (reason: unknown) => reason,
  );
  return { ms: performance.now() - started, error };
}

/** Enqueues until Redis takes it (the queue reconnects by itself after a restart). */
async function enqueueOnceBack(queue: BullMQQueue, id: string): Promise<boolean> {
  return eventually(() =>
    queue.enqueue(id, queuedEvent(`n2.1.${id}`)).then(
      () => true,
      () => false,
    ),
  );
}

describe('BullMQQueue with Redis down', () => {
  it('rejects an enqueue at once while Redis is stopped, then works again once it is back', async () => {
    const client = connect(server);
    open.push({ close: () => client.quit() });
    const name = fresh('calls');
    const queue = new BullMQQueue({ connection: client, name });
    open.push(queue);
    await queue.enqueue('k_before', queuedEvent('n2.1.before'));

    await server.stop();
    const down = await timed(queue.enqueue('k_down', queuedEvent('n2.1.down')));
    const downWithSignal = await timed(
      queue.enqueue('k_down2', queuedEvent('n2.1.down2'), { signal: AbortSignal.timeout(10_000) }),
    );
    const counts = await timed(queue.counts());
    // Once the client has seen the connection close (at once, or a moment later), nothing is even sent.
    const unavailable = await eventually(() =>
      queue.enqueue('k_down3', queuedEvent('n2.1.down3')).then(
        () => false,
        (error: unknown) => error instanceof QueueUnavailableError,
      ),
    );
    await server.restart();
    const back = await enqueueOnceBack(queue, 'k_after');
    await delay(500); // time for a command kept by a client to be sent after the reconnect

    for (const attempt of [down, downWithSignal, counts]) {
      expect(attempt.error).toBeInstanceOf(Error);
      expect(attempt.ms).toBeLessThan(1000);
    }
    expect([unavailable, back]).toEqual([true, true]);
    // The restarted Redis started empty: only what was enqueued after it came back is in it.
    expect((await admin.keys(`bull:${name}:k_*`)).sort()).toEqual([`bull:${name}:k_after`]);
  });

  it('before its first connection, waits until the signal aborts, and never stores the job afterwards', async () => {
    await server.stop();
    const name = fresh('calls');
    const queue = new BullMQQueue({ connection: { host: '127.0.0.1', port: server.port }, name });
    open.push(queue);
    // The hazard, shown on a BullMQ Queue by itself: its add() waits for Redis, and stores the job once it is back.
    const plain = new Queue(name, { connection: { host: '127.0.0.1', port: server.port, enableOfflineQueue: false } });
    plain.on('error', () => {});
    const plainAdd = plain.add('incoming_call', queuedEvent('n2.1.plain'), { jobId: 'k_plain' });
    plainAdd.catch(() => {});

    const early = await timed(
      queue.enqueue('k_early', queuedEvent('n2.1.early'), { signal: AbortSignal.timeout(300) }),
    );
    await server.restart();
    const back = await enqueueOnceBack(queue, 'k_back');
    await plainAdd;
    await delay(500);
    await plain.close(); // while Redis is up: BullMQ's own close of a connection it made asks Redis to QUIT

    expect(early.error).toBeInstanceOf(QueueUnavailableError);
    expect((early.error as Error).message).toBe('[myoperator-webhooks] BullMQQueue: gave up waiting for Redis');
    expect(early.ms).toBeGreaterThanOrEqual(290);
    expect(early.ms).toBeLessThan(2000);
    expect(back).toBe(true);
    expect((await admin.keys(`bull:${name}:k_*`)).sort()).toEqual([`bull:${name}:k_back`, `bull:${name}:k_plain`]);
  });

  it('keeps a worker running through the outage: onError hears of it, and jobs run again once Redis is back', async () => {
    const client = connect(server);
    open.push({ close: () => client.quit() });
    const queue = new BullMQQueue({ connection: client, name: fresh('calls') });
    open.push(queue);
    const errors: Error[] = [];
    const runs: string[] = [];
    const worker = queue.work(
      (job) => {
        runs.push(job.id);
        return Promise.resolve();
      },
      {
        concurrency: 1,
        onError: (error) => {
          errors.push(error);
        },
      },
    );
    await queue.enqueue('k_one', queuedEvent('n2.1.one'));
    expect(await eventually(() => runs.length === 1)).toBe(true);

    await server.stop();
    const heard = await eventually(() => errors.length > 0);
    await server.restart();
    const back = await enqueueOnceBack(queue, 'k_two');
    const ran = await eventually(() => runs.length === 2, 30_000);
    await worker.close();

    expect([heard, back, ran, runs]).toEqual([true, true, true, ['k_one', 'k_two']]);
    // Node's own socket errors belong to its realm, not jest's: checked by their tag rather than instanceof.
    expect(errors.every((error) => Object.prototype.toString.call(error) === '[object Error]')).toBe(true);
  });

  it('closes within a bound while Redis is down, a worker included', async () => {
    const client = connect(server);
    open.push({ close: () => client.quit() });
    const queue = new BullMQQueue({ connection: client, name: fresh('calls') });
    queue.work(() => Promise.resolve(), { concurrency: 1 });
    await queue.enqueue('k_x', queuedEvent('n2.1.x'));

    await server.stop();
    await delay(200);
    const closing = await timed(queue.close());

    expect(closing.error).toBeNull();
    expect(closing.ms).toBeLessThan(10_000);
  });
});
