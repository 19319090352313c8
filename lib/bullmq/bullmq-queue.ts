// BullMQQueue: the CallQueue on BullMQ (Redis). Enqueueing fails at once rather than waiting for a Redis that
// is down, so that a job is never stored after the web process gave up on it and ran the handlers itself.

import { Queue, UnrecoverableError, Worker, type Job, type RedisOptions } from 'bullmq';

import { isMyOperatorWebhookError } from '../core/errors';
import { describe, integerOption, optionError, readOptions } from '../core/options';
import { isPlainObject } from '../core/values';
import type {
  CallQueue,
  CallQueueCounts,
  CallQueueJob,
  CallQueueWorkOptions,
  CallQueueWorker,
  EnqueueOptions,
  QueuedCallEvent,
} from '../queue/call-queue';

/**
 * An ioredis client (ioredis 5 or 6) of a single Redis server or a Sentinel-managed primary. The queue never
 * sends a command on it nor closes it: it opens its own connections with `client.duplicate()`, which keep the
 * client's settings (address, credentials, TLS, retry strategy).
 */
export interface BullMQRedisClient {
  duplicate(override?: object): unknown;
  connect(): Promise<unknown>;
  disconnect(reconnect?: boolean): void;
  readonly options: object;
  readonly status: string;
}

/** What `connection` takes: ioredis options (BullMQ's `RedisOptions`, `url` included) or an ioredis client. */
export type BullMQConnection = RedisOptions | BullMQRedisClient;

export interface BullMQQueueOptions {
  /**
   * Where the queue lives: ioredis options (`{ host, port }`, or `{ url }`) or an ioredis client, for example
   * the one given to `RedisStore`. Not a Redis Cluster; no ioredis `keyPrefix` (use `prefix`). The queue opens
   * connections of its own with these settings, except that enqueueing never queues a command while Redis is
   * unreachable (`enableOfflineQueue: false`, `autoResendUnfulfilledCommands: false`, `maxRetriesPerRequest: 0`)
   * and workers wait for Redis as long as it takes (`enableOfflineQueue: true`, `maxRetriesPerRequest: null`).
   * @example new BullMQQueue({ connection: new Redis(process.env.REDIS_URL), name: 'calls' })
   */
  connection: BullMQConnection;
  /**
   * The BullMQ queue name, shared by the web processes (which enqueue) and the workers. No `:`.
   * @example 'calls'
   */
  name: string;
  /**
   * Put before every key BullMQ writes (`<prefix>:<name>:...`).
   * @default 'bull'
   */
  prefix?: string;
  /**
   * Runs of a job before it is kept in the failed set (the first run included).
   * @default 10
   */
  attempts?: number;
  /**
   * The first retry's delay; each next one doubles it (1 s, 2 s, 4 s... with the default: 10 attempts span
   * about 8.5 minutes).
   * @default 1000
   */
  backoffMs?: number;
}

const FACTORY = 'BullMQQueue';
const OPTION_KEYS = [
  'connection',
  'name',
  'prefix',
  'attempts',
  'backoffMs',
] as const satisfies readonly (keyof BullMQQueueOptions)[];
const WORK_OPTION_KEYS = [
  'concurrency',
  'lockDuration',
  'stalledInterval',
  'onError',
] as const satisfies readonly (keyof CallQueueWorkOptions)[];

/**
 * How long a completed job is kept: while it is, its id refuses a second job (the de-duplication of the queue,
 * which counts when the store failed at receipt). A day, as the store's default de-duplication TTL, and at most
 * this many jobs, so that Redis holds a bounded number of events whatever the traffic.
 */
export const KEEP_COMPLETED = Object.freeze({ age: 24 * 60 * 60, count: 10_000 });

/** How many failed jobs `retryFailed()` reads per round. */
const RETRY_PAGE = 500;
/**
 * How long a closing worker waits for BullMQ to record the last jobs once their handlers are done; past it (Redis
 * unreachable), the worker is closed anyway, and a job whose outcome was not recorded runs again (stalled).
 */
const RECORD_GRACE_MS = 3000;
/** How long a call without a `signal` waits for the queue's first connection before it rejects. */
const FIRST_CONNECTION_WAIT_MS = 5000;

/**
 * The queue's own connection: commands fail at once while Redis is unreachable (no offline queue), and a command
 * in flight when the connection drops is rejected, not sent again after a reconnect (a job stored then would be
 * one whose handlers the web process already ran).
 */
const QUEUE_CONNECTION = Object.freeze({
  enableOfflineQueue: false,
  autoResendUnfulfilledCommands: false,
  maxRetriesPerRequest: 0,
});
/** A worker's connection: it waits for Redis as long as it takes (what BullMQ requires of a worker). */
const WORKER_CONNECTION = Object.freeze({ enableOfflineQueue: true, maxRetriesPerRequest: null });

/** The connections this queue opens: ioredis clients. */
interface OwnedConnection {
  readonly status: string;
  on(event: 'error', listener: (error: Error) => void): unknown;
  disconnect(): void;
}

type RedisConstructor = new (...args: unknown[]) => OwnedConnection;

/** ioredis, loaded when the queue is given options rather than a client (it is an optional peer dependency). */
function loadRedis(): RedisConstructor {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only on this path
    const ioredis = require('ioredis') as { Redis?: RedisConstructor; default?: RedisConstructor };
    const Redis = ioredis.Redis ?? ioredis.default;
    if (typeof Redis === 'function') return Redis;
  } catch {
    // reported below
  }
  throw optionError(FACTORY, '"connection" options need the ioredis package: npm install ioredis (or pass a client)');
}

function isClient(connection: BullMQConnection): connection is BullMQRedisClient {
  return ['connect', 'disconnect', 'duplicate'].every(
    (method) => typeof (connection as Record<string, unknown>)[method] === 'function',
  );
}

/** Checks `connection`; it is only read (options are copied, a client is duplicated). */
function readConnection(value: unknown): BullMQConnection {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw optionError(FACTORY, `"connection" must be ioredis options or an ioredis client, got ${describe(value)}`);
  }
  const connection = value as BullMQConnection;
  const settings = (isClient(connection) ? connection.options : connection) as Record<string, unknown>;
  if ((connection as { isCluster?: unknown }).isCluster === true) {
    throw optionError(FACTORY, '"connection" must be a single Redis server or a Sentinel primary, not a Cluster');
  }
  if (typeof settings.keyPrefix === 'string' && settings.keyPrefix !== '') {
    throw optionError(FACTORY, '"connection" must not set an ioredis keyPrefix: give the queue a "prefix" instead');
  }
  return connection;
}

/** A new connection with `overrides` over the user's settings; the user's client or options are left as they are. */
function openConnection(connection: BullMQConnection, overrides: object): OwnedConnection {
  let opened: OwnedConnection;
  if (isClient(connection)) opened = connection.duplicate(overrides) as OwnedConnection;
  else {
    const { url, ...settings } = connection;
    const Redis = loadRedis();
    opened =
      typeof url === 'string'
        ? new Redis(url, { ...settings, ...overrides })
        : new Redis({ ...settings, ...overrides });
  }
  // Failures reach the callers (a rejected command, the worker's onError); ioredis must not print them.
  opened.on('error', () => {});
  return opened;
}

/** Why `enqueue` (or `counts`, `retryFailed`) refused: Redis is not reachable now, or the queue is closed. */
export class QueueUnavailableError extends Error {
  override readonly name = 'QueueUnavailableError';
}

/** A job's failure as BullMQ stores it (`failedReason`): never a handler's text, which may hold call data. */
function storedFailure(error: unknown): Error {
  return new Error(isMyOperatorWebhookError(error) ? error.message : 'The job failed');
}

/** Whether a job's data has the shape `enqueue` gives it (the event itself is checked when it is deserialised). */
function isQueuedCallEvent(data: unknown): data is QueuedCallEvent {
  if (!isPlainObject(data) || !isPlainObject(data.event)) return false;
  const { trace } = data;
  return (
    trace === null ||
    (isPlainObject(trace) &&
      typeof trace.traceId === 'string' &&
      typeof trace.spanId === 'string' &&
      typeof trace.traceFlags === 'number')
  );
}

/** The queue's Redis connection and the BullMQ `Queue` on it; replaced when BullMQ failed to initialise on it. */
interface QueueState {
  connection: OwnedConnection;
  queue: Queue;
  /** Settles once BullMQ is ready on the connection (the first time). */
  initialised: Promise<void>;
  isInitialised: boolean;
  failed: boolean;
}

function abortError(): QueueUnavailableError {
  return new QueueUnavailableError(`[myoperator-webhooks] ${FACTORY}: gave up waiting for Redis`);
}

/**
 * The `CallQueue` on BullMQ: jobs in Redis, run by `calls.work()` in any number of worker processes.
 *
 * - `enqueue` stores the job under the given id; an id BullMQ already holds (queued, running, completed within
 *   the last day, or failed) is not added again, nor one added within `dedupeTtlMs` (the de-duplication TTL
 *   CallEvents passes), even once its completed job is gone.
 * - A failed job is retried `attempts` times in all, with exponential back-off from `backoffMs`, then kept in the
 *   failed set (never removed by the queue) until `retryFailed()`, which gives it `attempts` runs again.
 * - Completed jobs are kept a day, at most 10 000 of them (`KEEP_COMPLETED`).
 * - A worker that dies mid-job does not lose it: once its lock expires (`lockDuration`), another worker's
 *   stalled-job check (every `stalledInterval`) runs it again. A job that stalls twice is failed.
 *
 * @example
 * import { Redis } from 'ioredis';
 * import { CallEvents, RedisStore } from 'myoperator-webhooks';
 * import { BullMQQueue } from 'myoperator-webhooks/bullmq';
 *
 * const client = new Redis(process.env.REDIS_URL);
 * const calls = new CallEvents({
 *   store: new RedisStore({ client }),
 *   queue: new BullMQQueue({ connection: client, name: 'calls' }),
 * });
 */
export class BullMQQueue implements CallQueue {
  readonly #connection: BullMQConnection;
  readonly #name: string;
  readonly #prefix: string;
  readonly #jobOptions: Readonly<{
    attempts: number;
    backoff: { type: 'exponential'; delay: number };
    removeOnComplete: typeof KEEP_COMPLETED;
    removeOnFail: false;
    stackTraceLimit: 0;
  }>;
  readonly #workers = new Set<() => Promise<void>>();
  #state: QueueState | null = null;
  #closed = false;

  constructor(options: BullMQQueueOptions) {
    const record = readOptions(FACTORY, options, OPTION_KEYS);
    if (record.connection === undefined) throw optionError(FACTORY, '"connection" is required');
    this.#connection = readConnection(record.connection);
    if (typeof record.name !== 'string' || record.name === '' || record.name.includes(':')) {
      throw optionError(FACTORY, `"name" must be a non-empty string without ":", got ${describe(record.name)}`);
    }
    this.#name = record.name;
    if (record.prefix !== undefined && (typeof record.prefix !== 'string' || record.prefix === '')) {
      throw optionError(FACTORY, `"prefix" must be a non-empty string, got ${describe(record.prefix)}`);
    }
    this.#prefix = record.prefix ?? 'bull';
    const attempts = integerOption(FACTORY, 'attempts', record.attempts, 10, 1);
    const backoffMs = integerOption(FACTORY, 'backoffMs', record.backoffMs, 1000, 0);
    this.#jobOptions = Object.freeze({
      attempts,
      backoff: Object.freeze({ type: 'exponential' as const, delay: backoffMs }),
      removeOnComplete: KEEP_COMPLETED,
      removeOnFail: false as const,
      // BullMQ would keep each failure's stack in the job: it may quote a handler's data.
      stackTraceLimit: 0 as const,
    });
    // Connect now, as BullMQ does, so that the first webhook finds the queue ready.
    this.#open();
  }

  /** The queue's connection and BullMQ Queue, opened on first use (and again if BullMQ failed to start on it). */
  #open(): QueueState {
    if (this.#state !== null && !this.#state.failed) return this.#state;
    if (this.#state !== null) this.#discard(this.#state);
    const connection = openConnection(this.#connection, QUEUE_CONNECTION);
    const queue = new Queue(this.#name, { connection, prefix: this.#prefix });
    queue.on('error', () => {}); // reported by the calls that fail
    const state: QueueState = {
      connection,
      queue,
      initialised: Promise.resolve(),
      isInitialised: false,
      failed: false,
    };
    state.initialised = queue.waitUntilReady().then(
      () => {
        state.isInitialised = true;
      },
      (error: unknown) => {
        state.failed = true;
        throw error;
      },
    );
    state.initialised.catch(() => {}); // awaited by the calls that need it
    this.#state = state;
    return state;
  }

  #assertOpen(): void {
    if (this.#closed) throw new QueueUnavailableError(`[myoperator-webhooks] ${FACTORY}: the queue is closed`);
  }

  #discard(state: QueueState): void {
    void state.queue.close().catch(() => {});
    state.connection.disconnect();
  }

  /**
   * The queue, ready to take a command now. Before its connection was first ready, waits for it until `signal`
   * aborts (5 s without one); afterwards, rejects at once whenever Redis is not connected. Never lets a command
   * wait in a client queue: what this resolves is sent now or fails now.
   */
  async #ready(signal: AbortSignal | undefined): Promise<Queue> {
    this.#assertOpen();
    const state = this.#open();
    const deadline = signal ?? (state.isInitialised ? null : AbortSignal.timeout(FIRST_CONNECTION_WAIT_MS));
    if (!state.isInitialised && deadline !== null) {
      if (deadline.aborted) throw abortError();
      let onAbort = (): void => {};
      const aborted = new Promise<never>((_, reject) => {
        onAbort = () => {
          reject(abortError());
        };
        deadline.addEventListener('abort', onAbort, { once: true });
      });
      try {
        await Promise.race([state.initialised, aborted]);
      } finally {
        deadline.removeEventListener('abort', onAbort);
      }
    }
    if (deadline?.aborted === true) throw abortError();
    this.#assertOpen();
    if (state.connection.status !== 'ready') {
      throw new QueueUnavailableError(`[myoperator-webhooks] ${FACTORY}: Redis is not connected`);
    }
    return state.queue;
  }

  /**
   * Stores the job; resolves once Redis holds it. A job id the queue already holds is not added again, nor, with
   * `dedupeTtlMs`, one added within that time (BullMQ's deduplication with a TTL: a small key that outlives the
   * job's removal from the completed set). Rejects at once when Redis is not connected (after the first
   * connection; before it, waits until `signal` aborts, or 5 s without one), and never sends the job after that.
   */
  async enqueue(jobId: string, data: QueuedCallEvent, options: EnqueueOptions = {}): Promise<void> {
    const queue = await this.#ready(options.signal);
    const name = typeof data.event.name === 'string' ? data.event.name : 'call_event';
    const ttl = options.dedupeTtlMs;
    await queue.add(
      name,
      data,
      ttl !== undefined && ttl > 0
        ? { ...this.#jobOptions, jobId, deduplication: { id: jobId, ttl } }
        : { ...this.#jobOptions, jobId },
    );
  }

  /**
   * Starts a BullMQ Worker on its own connections that runs `processor` for each job, at most `concurrency` at
   * once. A rejection is a failed attempt (stored without its text: BullMQ keeps the package's fixed message,
   * or "The job failed"). A job whose data is not a call event fails at once, without retries.
   */
  work(processor: (job: CallQueueJob) => Promise<void>, options: CallQueueWorkOptions): CallQueueWorker {
    const work = `${FACTORY}.work`;
    if (typeof processor !== 'function') throw optionError(work, `the processor must be a function`);
    const record = readOptions(work, options, WORK_OPTION_KEYS);
    if (record.concurrency === undefined) throw optionError(work, '"concurrency" is required');
    const concurrency = integerOption(work, 'concurrency', record.concurrency, 1, 1);
    const lockDuration =
      record.lockDuration === undefined ? undefined : integerOption(work, 'lockDuration', record.lockDuration, 0, 1);
    const stalledInterval =
      record.stalledInterval === undefined
        ? undefined
        : integerOption(work, 'stalledInterval', record.stalledInterval, 0, 1);
    if (record.onError !== undefined && typeof record.onError !== 'function') {
      throw optionError(work, `"onError" must be a function, got ${describe(record.onError)}`);
    }
    const onError = record.onError as CallQueueWorkOptions['onError'];
    this.#assertOpen();

    const connection = openConnection(this.#connection, WORKER_CONNECTION);
    // The jobs taken by this worker whose outcome BullMQ has not recorded yet, and how many processors run now:
    // close() waits for the processors without a bound (the handlers in hand finish), then a bounded time for
    // the records (Redis may be down).
    const unrecorded = new Set<string>();
    let running = 0;
    let onSettle: (() => void) | null = null;
    const settle = (): void => {
      onSettle?.();
    };
    const worker = new Worker(
      this.#name,
      async (job: Job) => {
        const id = job.id ?? '';
        unrecorded.add(id);
        const data: unknown = job.data;
        if (!isQueuedCallEvent(data)) throw new UnrecoverableError('The job holds no call event');
        running++;
        try {
          await processor({ id, data, attempt: job.attemptsMade + 1, attempts: job.opts.attempts ?? 1 });
        } catch (error) {
          throw storedFailure(error);
        } finally {
          running--;
          settle();
        }
      },
      {
        connection,
        prefix: this.#prefix,
        concurrency,
        ...(lockDuration === undefined ? {} : { lockDuration }),
        ...(stalledInterval === undefined ? {} : { stalledInterval }),
      },
    );
    const recorded = (job: Job | undefined): void => {
      if (job?.id !== undefined && unrecorded.delete(job.id)) settle();
    };
    worker.on('completed', recorded);
    worker.on('failed', recorded);
    worker.on('error', (error: Error) => {
      try {
        onError?.(error);
      } catch {
        // a reporter that throws changes nothing
      }
    });
    const until = async (done: () => boolean, ms: number): Promise<void> => {
      const deadline = Date.now() + ms;
      while (!done() && Date.now() < deadline) {
        await new Promise<void>((resolve) => {
          onSettle = resolve;
          const timer = setTimeout(resolve, Math.min(100, Math.max(0, deadline - Date.now())));
          timer.unref();
        });
      }
      onSettle = null;
    };

    let closing: Promise<void> | null = null;
    const close = (): Promise<void> => {
      closing ??= (async () => {
        try {
          // No new job is taken (local: no Redis command)...
          await worker.pause(true);
          // ...the handlers in hand finish, however long they take...
          await until(() => running === 0, Number.POSITIVE_INFINITY);
          // ...and their outcome is recorded, unless Redis cannot be reached (then the job runs again, stalled).
          await until(() => unrecorded.size === 0, RECORD_GRACE_MS);
          // Nothing is left to wait for: BullMQ's own graceful close would wait on a reconnecting connection.
          await worker.close(true);
        } finally {
          connection.disconnect();
          this.#workers.delete(close);
        }
      })();
      return closing;
    };
    this.#workers.add(close);
    return { close };
  }

  /**
   * Moves every job of the failed set back to the queue with its attempts reset (it gets `attempts` runs again);
   * resolves how many moved. Jobs that fail while it runs stay for the next call.
   */
  async retryFailed(): Promise<number> {
    const queue = await this.#ready(undefined);
    const since = Date.now();
    let retried = 0;
    let skipped = 0;
    for (;;) {
      // Oldest first: jobs that cannot move stay at the front (skipped), new failures join at the end.
      const jobs = await queue.getJobs(['failed'], skipped, skipped + RETRY_PAGE - 1, true);
      const due = jobs.filter((job) => (job.finishedOn ?? 0) <= since);
      const results = await Promise.allSettled(
        due.map((job) => job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true })),
      );
      for (const result of results) {
        if (result.status === 'fulfilled') retried++;
        else skipped++;
      }
      if (jobs.length < RETRY_PAGE || due.length < jobs.length) return retried;
    }
  }

  /** How many jobs the queue holds, by state (`waiting` includes prioritised jobs). */
  async counts(): Promise<CallQueueCounts> {
    const queue = await this.#ready(undefined);
    const counts = await queue.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'failed', 'completed');
    const count = (state: string): number => counts[state] ?? 0;
    return {
      waiting: count('waiting') + count('prioritized'),
      active: count('active'),
      delayed: count('delayed'),
      failed: count('failed'),
      completed: count('completed'),
    };
  }

  /**
   * Closes what the queue opened: its workers first (gracefully: the jobs in hand finish), then its BullMQ Queue
   * and connections. Never the client given as `connection`. Later calls reject; closing twice is harmless.
   */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.allSettled([...this.#workers].map((close) => close()));
    const state = this.#state;
    this.#state = null;
    if (state === null) return;
    try {
      await state.queue.close();
    } finally {
      state.connection.disconnect();
    }
  }
}
