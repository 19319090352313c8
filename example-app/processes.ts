// How the example app runs: in one process (the default), or, with REDIS_URL, as a primary that starts web
// processes (the webhook and the board, on one port) and worker processes (the handlers, `calls.work()`) sharing
// Redis and the SQLite file. The primary restarts a process that dies, relays the boards' news from any process
// to every web process, and gathers every process's metrics for /metrics and the health strip. SIGTERM or SIGINT
// stops everything gracefully: new webhooks are answered 503 while the handlers in flight finish.

import cluster, { type Worker } from 'node:cluster';
import type { Server } from 'node:http';

import { Redis } from 'ioredis';
import { CallEvents, RedisStore } from 'myoperator-webhooks';
import { BullMQQueue } from 'myoperator-webhooks/bullmq';
import pino, { type DestinationStream, type Logger } from 'pino';
import { collectDefaultMetrics, Registry } from 'prom-client';

import { createExampleApp, type ExampleApp } from './app';
import { QUEUE_NAME, redisLocation, type ExampleConfig, type LogLevelName, type MultiProcessConfig } from './config';
import { CallDatabase } from './database';
import { handleCalls } from './handlers';
import { healthTotals, type HealthTotals } from './health';
import type { BoardUpdates } from './live';

/** Settings for the specs only. */
export interface ExampleTestOptions {
  /** Each handler waits this long before saving. */
  handlerDelayMs?: number;
  /** The webhook's `timeoutMs` (202 past it). */
  webhookTimeoutMs?: number;
}

/** What a process of the multi-process mode is. */
export type ProcessRole = 'web' | 'worker';

/**
 * How long a job stays locked to a worker that stopped renewing it (killed), and how often the workers look for
 * such jobs: a killed worker's job runs again elsewhere within about 15 s (BullMQ's defaults: about a minute).
 */
export const WORKER_LOCK_MS = 10_000;
export const WORKER_STALLED_CHECK_MS = 5_000;

/** How long the primary waits for every process to answer a request for its metrics. */
const GATHER_TIMEOUT_MS = 1500;
/** More restarts than this within a minute: something is wrong with every start, the primary gives up. */
const MAX_RESTARTS_PER_MINUTE = 10;

/**
 * The example's logger: JSON lines on stdout, at `level`.
 * @example createLogger('debug').info('hello')
 */
export function createLogger(level: LogLevelName, destination?: DestinationStream): Logger {
  // Synchronous writes: every line is out before the process exits.
  return pino({ level }, destination ?? pino.destination({ dest: 1, sync: true }));
}

/** The messages between the primary and the other processes. */
type Message =
  | { type: 'example:board'; event: string; data: unknown }
  | { type: 'example:ready' }
  | { type: 'example:gather'; id: number; kind: GatherKind }
  | { type: 'example:gathered'; id: number; values: unknown[] }
  | { type: 'example:collect'; id: number; kind: GatherKind }
  | { type: 'example:collected'; id: number; value: unknown };
type GatherKind = 'metrics' | 'health';

function isMessage(value: unknown): value is Message {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { type?: unknown }).type === 'string' &&
    (value as { type: string }).type.startsWith('example:')
  );
}

/** Sends to the primary; a primary that is gone is not an error here (the process stops on `disconnect`). */
function sendToPrimary(message: Message): void {
  if (process.send === undefined || !process.connected) return;
  process.send(message, undefined, {}, () => {});
}

function sendTo(worker: Worker, message: Message): void {
  if (worker.isConnected()) worker.send(message, undefined, {}, () => {});
}

/** Runs `stop` once, on SIGTERM, SIGINT, and the other ways a process is told to go. */
function onStop(stop: (reason: string) => Promise<void>): void {
  let stopping = false;
  const once = (reason: string): void => {
    if (stopping) return;
    stopping = true;
    void stop(reason);
  };
  process.on('SIGINT', () => once('SIGINT'));
  process.on('SIGTERM', () => once('SIGTERM'));
  // A process of the multi-process mode whose primary is gone.
  process.on('disconnect', () => once('primary gone'));
  // Started by the demo: stop when the demo's end of the pipe closes, even if the demo was killed outright.
  if (process.env.EXAMPLE_STOP_ON_STDIN_END === '1' && cluster.isPrimary) {
    process.stdin.on('end', () => once('stdin closed'));
    process.stdin.on('error', () => once('stdin closed'));
    process.stdin.resume();
  }
}

/** Closes the HTTP server: no new connections, the board streams ended, idle connections closed, then the rest. */
function closeServer(server: Server, example: ExampleApp): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    example.live.close();
    server.closeIdleConnections();
    const force = setTimeout(() => server.closeAllConnections(), 2000);
    force.unref();
  });
}

/** A server that cannot listen (the port is taken) stops the process with exit code 1, saying why. */
function exitOnListenError(server: Server, config: ExampleConfig, logger: Logger): void {
  server.on('error', (error: NodeJS.ErrnoException) => {
    const why = error.code === 'EADDRINUSE' ? `port ${config.port} is in use: start on another one, PORT=3001` : '';
    logger.fatal({ code: error.code ?? null }, `the example app could not listen${why === '' ? '' : `: ${why}`}`);
    process.exit(1);
  });
}

function announce(logger: Logger, config: ExampleConfig, port: number, fields: Record<string, unknown>): void {
  const base = `http://127.0.0.1:${port}`;
  logger.info(
    {
      board: `${base}/`,
      webhook: `${base}/myoperator/incall`,
      metrics: `${base}/metrics`,
      database: config.databasePath,
      ...fields,
    },
    `MyOperator example app listening on ${base}`,
  );
  for (const warning of config.warnings) logger.warn(warning);
}

/** The last line of a process: `warn` when some handlers were still running at the deadline. */
function logStopped(logger: Logger, pending: number): void {
  if (pending === 0) logger.info({ pending }, 'stopped');
  else logger.warn({ pending }, 'stopped with handlers still running (they were cut short)');
}

/** The port a server listens on. */
function portOf(server: Server, fallback: number): number {
  const address = server.address();
  return typeof address === 'object' && address !== null ? address.port : fallback;
}

/** A registry with the process's own metrics (CPU, memory, event loop), registered once per process. */
function processRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}

/**
 * Starts the example app as configured: one process, or (REDIS_URL) the primary, a web process or a worker,
 * whichever this process is.
 * @example runExample(configFromEnv());
 */
export function runExample(config: ExampleConfig, testOptions: Readonly<ExampleTestOptions> = {}): void {
  const logger = createLogger(config.logLevel);
  const multi = config.multiProcess;
  if (multi === null) runSingleProcess(config, logger, testOptions);
  else if (cluster.isPrimary) runPrimary(config, multi, logger.child({ role: 'primary' }));
  else if (process.env.EXAMPLE_ROLE === 'web') runWeb(config, multi, logger.child({ role: 'web' }), testOptions);
  else runWorker(config, multi, logger.child({ role: 'worker' }), testOptions);
}

function runSingleProcess(config: ExampleConfig, logger: Logger, testOptions: Readonly<ExampleTestOptions>): void {
  const example = createExampleApp({
    databasePath: config.databasePath,
    auth: config.auth,
    logger,
    metrics: processRegistry(),
    ...testOptions,
  });
  // Not listen()'s callback: Express 5 calls it on an error too.
  const server = example.app.listen(config.port, '127.0.0.1');
  server.once('listening', () => {
    announce(logger, config, portOf(server, config.port), { mode: 'one process' });
  });
  exitOnListenError(server, config, logger);
  onStop(async (reason) => {
    logger.info({ reason }, 'stopping: new webhooks are answered 503 while the handlers in flight finish');
    const { pending } = await example.calls.close({ timeoutMs: config.shutdownTimeoutMs });
    await closeServer(server, example);
    example.close();
    logStopped(logger, pending);
    process.exit(0);
  });
}

/** The boards' news from this process, to every web process's boards (through the primary). */
const ALL_BOARDS: BoardUpdates = {
  send(event, data) {
    sendToPrimary({ type: 'example:board', event, data });
  },
};

/** Answers the primary's requests for this process's metrics. */
function answerCollect(registry: Registry): void {
  process.on('message', (message: unknown) => {
    if (!isMessage(message) || message.type !== 'example:collect') return;
    void registry.getMetricsAsJSON().then((metrics) => {
      const value = message.kind === 'metrics' ? metrics : healthTotals(metrics);
      sendToPrimary({ type: 'example:collected', id: message.id, value });
    });
  });
}

/** The process's Redis client, for the store; the queue opens its own connections from it. */
function redisFor(multi: MultiProcessConfig): Redis {
  const redis = new Redis(multi.redisUrl);
  // ioredis reconnects by itself; the package logs the store's and the queue's trouble (`warn`).
  redis.on('error', () => {});
  return redis;
}

function runWeb(
  config: ExampleConfig,
  multi: MultiProcessConfig,
  logger: Logger,
  testOptions: Readonly<ExampleTestOptions>,
): void {
  const redis = redisFor(multi);
  const registry = processRegistry();
  answerCollect(registry);

  let sequence = 0;
  const waiting = new Map<number, (values: unknown[]) => void>();
  const gather = (kind: GatherKind): Promise<unknown[]> =>
    new Promise((resolve) => {
      const id = ++sequence;
      const timer = setTimeout(() => {
        waiting.delete(id);
        resolve([]);
      }, GATHER_TIMEOUT_MS * 2);
      waiting.set(id, (values) => {
        clearTimeout(timer);
        resolve(values);
      });
      sendToPrimary({ type: 'example:gather', id, kind });
    });

  const example = createExampleApp({
    databasePath: config.databasePath,
    auth: config.auth,
    logger,
    metrics: registry,
    store: new RedisStore({ client: redis }),
    queue: new BullMQQueue({ connection: redis, name: QUEUE_NAME }),
    updates: ALL_BOARDS,
    collectMetrics: async () => (await gather('metrics')) as object[][],
    collectHealth: async () => {
      const totals: HealthTotals = { events: 0, duplicates: 0, failures: 0 };
      for (const value of (await gather('health')) as HealthTotals[]) {
        totals.events += value.events;
        totals.duplicates += value.duplicates;
        totals.failures += value.failures;
      }
      return totals;
    },
    ...testOptions,
  });
  process.on('message', (message: unknown) => {
    if (!isMessage(message)) return;
    if (message.type === 'example:board') example.live.send(message.event, message.data);
    else if (message.type === 'example:gathered') waiting.get(message.id)?.(message.values);
  });

  const server = example.app.listen(config.port, '127.0.0.1');
  server.once('listening', () => {
    logger.info({ pid: process.pid }, 'web process listening');
  });
  exitOnListenError(server, config, logger);
  onStop(async (reason) => {
    logger.info({ reason }, 'stopping: new webhooks are answered 503 while the handlers in flight finish');
    const { pending } = await example.calls.close({ timeoutMs: config.shutdownTimeoutMs });
    await closeServer(server, example);
    example.close();
    redis.disconnect();
    logStopped(logger, pending);
    process.exit(0);
  });
}

function runWorker(
  config: ExampleConfig,
  multi: MultiProcessConfig,
  logger: Logger,
  testOptions: Readonly<ExampleTestOptions>,
): void {
  const redis = redisFor(multi);
  const registry = processRegistry();
  answerCollect(registry);
  const database = new CallDatabase(config.databasePath);
  const calls = new CallEvents({
    store: new RedisStore({ client: redis }),
    queue: new BullMQQueue({ connection: redis, name: QUEUE_NAME }),
    logger,
    metrics: registry,
  });
  handleCalls(calls, database, ALL_BOARDS, { handlerDelayMs: testOptions.handlerDelayMs ?? 0 });
  calls.work({
    concurrency: multi.concurrency,
    lockDuration: WORKER_LOCK_MS,
    stalledInterval: WORKER_STALLED_CHECK_MS,
  });
  logger.info({ pid: process.pid, concurrency: multi.concurrency }, 'worker ready');
  sendToPrimary({ type: 'example:ready' });
  onStop(async (reason) => {
    logger.info({ reason }, 'stopping: the jobs in hand finish, the others stay in the queue');
    const { pending } = await calls.close({ timeoutMs: config.shutdownTimeoutMs });
    database.close();
    redis.disconnect();
    logStopped(logger, pending);
    process.exit(0);
  });
}

function runPrimary(config: ExampleConfig, multi: MultiProcessConfig, logger: Logger): void {
  // The tables are made (or given their new columns) once, before several processes open the file.
  new CallDatabase(config.databasePath).close();

  const roles = new Map<Worker, ProcessRole>();
  /** The web processes listening and the workers working. */
  const ready = new Set<Worker>();
  let port = config.port;
  const restarts: number[] = [];
  let announced = false;
  let stopping = false;

  const fork = (role: ProcessRole): void => {
    const worker = cluster.fork({ EXAMPLE_ROLE: role });
    roles.set(worker, role);
  };
  const processes = (role?: ProcessRole): Worker[] =>
    [...roles.entries()].filter(([, each]) => role === undefined || each === role).map(([worker]) => worker);

  const stopAll = async (reason: string, code: number): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.info({ reason }, 'stopping every process');
    const running = processes().filter((worker) => !worker.isDead());
    const exited = running.map((worker) => new Promise<void>((resolve) => worker.once('exit', () => resolve())));
    for (const worker of running) worker.process.kill('SIGTERM');
    const deadline = setTimeout(() => {
      for (const worker of running) if (!worker.isDead()) worker.process.kill('SIGKILL');
    }, config.shutdownTimeoutMs + 5000);
    await Promise.all(exited);
    clearTimeout(deadline);
    logger.info('stopped');
    process.exit(code);
  };

  cluster.on('online', (worker) => {
    logger.info({ process: roles.get(worker) ?? null, pid: worker.process.pid ?? null }, 'process started');
  });
  /** Says where the app is, once every process of the first start is ready. */
  const announceWhenReady = (): void => {
    if (announced || !processes().every((worker) => ready.has(worker))) return;
    announced = true;
    announce(logger, config, port, {
      mode: 'several processes',
      redis: redisLocation(multi.redisUrl),
      webProcesses: multi.webProcesses,
      workers: multi.workers,
    });
  };
  cluster.on('listening', (worker, address) => {
    ready.add(worker);
    port = address.port;
    announceWhenReady();
  });
  cluster.on('exit', (worker, code, signal) => {
    const role = roles.get(worker) ?? 'worker';
    roles.delete(worker);
    const pid = worker.process.pid ?? null;
    if (stopping) return;
    logger.warn({ process: role, pid, code, signal }, 'process exited');
    if (!ready.has(worker)) {
      void stopAll(`a ${role} process could not start`, 1);
      return;
    }
    ready.delete(worker);
    const now = Date.now();
    restarts.push(now);
    while (restarts.length > 0 && restarts[0]! < now - 60_000) restarts.shift();
    if (restarts.length > MAX_RESTARTS_PER_MINUTE) {
      void stopAll('processes keep dying', 1);
      return;
    }
    fork(role);
  });

  // Gathering: each request for every process's metrics gets one answer, with what came in time.
  let sequence = 0;
  const gathering = new Map<number, { values: unknown[]; expected: number; done: () => void }>();
  const gather = (kind: GatherKind): Promise<unknown[]> =>
    new Promise((resolve) => {
      const id = ++sequence;
      const targets = processes().filter((worker) => worker.isConnected());
      const entry = {
        values: [] as unknown[],
        expected: targets.length,
        done: () => {
          clearTimeout(timer);
          gathering.delete(id);
          resolve(entry.values);
        },
      };
      const timer = setTimeout(entry.done, GATHER_TIMEOUT_MS);
      gathering.set(id, entry);
      if (targets.length === 0) entry.done();
      for (const worker of targets) sendTo(worker, { type: 'example:collect', id, kind });
    });

  cluster.on('message', (worker, message: unknown) => {
    if (!isMessage(message)) return;
    if (message.type === 'example:board') {
      for (const web of processes('web')) sendTo(web, message);
    } else if (message.type === 'example:ready') {
      ready.add(worker);
      announceWhenReady();
    } else if (message.type === 'example:gather') {
      void gather(message.kind).then((values) => sendTo(worker, { type: 'example:gathered', id: message.id, values }));
    } else if (message.type === 'example:collected') {
      const entry = gathering.get(message.id);
      if (entry === undefined) return;
      entry.values.push(message.value);
      if (entry.values.length >= entry.expected) entry.done();
    }
  });

  onStop((reason) => stopAll(reason, 0));
  for (let i = 0; i < multi.webProcesses; i++) fork('web');
  for (let i = 0; i < multi.workers; i++) fork('worker');
}
