// `npx tsx bench/queue.ts` (after `npm run build`): durable delivery against in-process delivery, both on
// RedisStore, with a no-op handler and with a 200 ms one. For each: receipt throughput (closed loop: autocannon,
// bench/load.ts) and the answer latency at a fixed rate (open loop: a request every 2 ms, latency counted from when
// each request was due, so a server that falls behind is not hidden), with worker processes draining the queue.
// The same file runs every role: the runner (no argument), `--role web`, `--role worker`, `--role rate`.

import { createRequire } from 'node:module';
import { Agent, createServer, request } from 'node:http';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import express from 'express';
import Redis from 'ioredis';

import type * as BullMQEntry from '../lib/bullmq/index';
import {
  AUTH_HEADER_LINE,
  CPU_QUERY,
  envNumber,
  formatInteger,
  freePort,
  isCpuUsage,
  isLoadReport,
  isQuickMode,
  isServerReady,
  loadPackage,
  WEBHOOK_PATH,
  type LoadReport,
  waitForMessage,
} from './common';
import { canReadProcCpu, choosePinning, procCpuMicros, spawnPinned, type Pinning } from './pinning';
import { serve } from './servers/lifecycle';
import { bodyGenerator, buildTrafficPlan, type LoadOrder, type TrafficPlan } from './traffic';

const BENCH_DIR = __dirname;
const requireHere = createRequire(__filename);

/** `myoperator-webhooks/bullmq`, from the same build as `loadPackage()` (BENCH_DIST, else dist/ by name). */
function loadBullMQ(): typeof BullMQEntry {
  const dist = process.env.BENCH_DIST;
  return requireHere(
    dist === undefined || dist === '' ? 'myoperator-webhooks/bullmq' : join(dist, 'cjs/bullmq/index.js'),
  ) as typeof BullMQEntry;
}

// ---------------------------------------------------------------------------------------------------------------
// The settings

type Delivery = 'in-process' | 'queue';

const QUICK = isQuickMode();
const SETTINGS = {
  /** Requests per second of the fixed-rate load. */
  rate: envNumber('BENCH_QUEUE_RATE', 500),
  /** Seconds of the fixed-rate load (so rate x seconds requests). */
  rateSeconds: envNumber('BENCH_QUEUE_RATE_SECONDS', QUICK ? 2 : 10),
  /** Fixed-rate runs per variant (the same processes, a queue drained in between): their median is reported. */
  rateRounds: envNumber('BENCH_QUEUE_RATE_ROUNDS', QUICK ? 1 : 3),
  /** Seconds and connections of the closed-loop throughput burst. */
  burstSeconds: envNumber('BENCH_QUEUE_BURST_SECONDS', QUICK ? 1 : 5),
  connections: envNumber('BENCH_QUEUE_CONNECTIONS', 32),
  warmupSeconds: envNumber('BENCH_QUEUE_WARMUP', QUICK ? 0.5 : 2),
  /** The slow handler's time. */
  slowHandlerMs: envNumber('BENCH_QUEUE_HANDLER_MS', 200),
  /** Worker processes, and the jobs each runs at once (for the no-op and the slow handler). */
  workers: envNumber('BENCH_QUEUE_WORKERS', 2),
  fastConcurrency: envNumber('BENCH_QUEUE_FAST_CONCURRENCY', 16),
  slowConcurrency: envNumber('BENCH_QUEUE_SLOW_CONCURRENCY', 100),
  /** The target: p99 answer latency with the queue and the slow handler at the fixed rate. */
  targetP99Ms: 50,
} as const;

// ---------------------------------------------------------------------------------------------------------------
// The roles

/** A handler for every event: a no-op (0 ms), or one that takes `ms` (a CRM call). */
function handlerOf(ms: number): () => Promise<void> | undefined {
  if (ms === 0) return () => undefined;
  return () => sleep(ms).then(() => undefined);
}

/** The app's CallEvents, as a web or worker process builds it: RedisStore, and the queue unless in-process. */
function buildCalls(): {
  calls: InstanceType<ReturnType<typeof loadPackage>['CallEvents']>;
  close: () => Promise<void>;
} {
  const { CallEvents, CALL_EVENT_NAMES, RedisStore } = loadPackage();
  const port = Number(process.env.BENCH_REDIS_PORT);
  const client = new Redis({ host: '127.0.0.1', port });
  client.on('error', () => undefined);
  const delivery = process.env.BENCH_DELIVERY as Delivery;
  const queue =
    delivery === 'queue'
      ? new (loadBullMQ().BullMQQueue)({ connection: client, name: process.env.BENCH_QUEUE_NAME ?? 'calls' })
      : undefined;
  const calls = new CallEvents({ store: new RedisStore({ client }), logger: false, ...(queue && { queue }) });
  calls.on(CALL_EVENT_NAMES, handlerOf(Number(process.env.BENCH_HANDLER_MS ?? 0)));
  return {
    calls,
    close: async () => {
      await calls.close({ timeoutMs: 2000 });
      client.disconnect();
    },
  };
}

/** `--role web`: the Express chain (myOperatorWebhook) on 127.0.0.1, answering the runner's CPU questions. */
function runWeb(): void {
  const { myOperatorWebhook } = loadPackage();
  const { calls } = buildCalls();
  const app = express();
  app.use(WEBHOOK_PATH, myOperatorWebhook({ auth: { headers: [AUTH_HEADER_LINE] }, calls }));
  const server = createServer(app);
  // The answer time as the server sees it (its 'request' event to the last byte written), while the runner asks.
  let answerTimes: number[] | null = null;
  server.on('request', (_request, response) => {
    const samples = answerTimes;
    if (samples === null) return;
    const started = performance.now();
    response.once('finish', () => samples.push(performance.now() - started));
  });
  process.on('message', (message: unknown) => {
    if (message === ANSWER_TIMES_START) answerTimes = [];
    else if (message === ANSWER_TIMES_STOP) {
      const sorted = Float64Array.from(answerTimes ?? []).sort();
      answerTimes = null;
      process.send?.({ answerTimes: { p50Ms: percentile(sorted, 0.5), p99Ms: percentile(sorted, 0.99) } });
    }
  });
  serve(server, `${process.env.BENCH_DELIVERY}, handler ${process.env.BENCH_HANDLER_MS} ms`);
}

/** Runner -> web: start recording answer times; stop, and answer with their percentiles. */
const ANSWER_TIMES_START = 'answer-times-start';
const ANSWER_TIMES_STOP = 'answer-times-stop';

interface AnswerTimes {
  answerTimes: { p50Ms: number; p99Ms: number };
}

const isAnswerTimes = (message: unknown): message is AnswerTimes =>
  typeof message === 'object' && message !== null && 'answerTimes' in message;

/** `--role worker`: `calls.work()`; says `{ working: true }` once started, closes on SIGTERM or disconnect. */
function runWorker(): void {
  const { calls, close } = buildCalls();
  calls.work({ concurrency: Number(process.env.BENCH_CONCURRENCY ?? 1) });
  const exit = (): void => {
    void close().finally(() => process.exit(0));
  };
  process.once('SIGTERM', exit);
  process.once('disconnect', exit);
  process.send?.({ working: true });
}

/** Runner -> `--role rate`: one fixed-rate run. */
interface RateOrder {
  rateOrder: { url: string; traffic: TrafficPlan; uidPrefix: string; rate: number; count: number };
}

/** `--role rate` -> runner. */
interface RateReport {
  rateReport: {
    sent: number;
    ok: number;
    non2xx: number;
    errors: number;
    /** Requests per second actually sent (the due times are fixed: a slow generator shows here). */
    sentPerSecond: number;
    /** The latest a request left after it was due (the generator's own lag), ms. */
    maxSendLagMs: number;
    /** From when each request was due to the end of its answer, ms. */
    p50Ms: number;
    p90Ms: number;
    p99Ms: number;
    maxMs: number;
  };
}

const isRateOrder = (message: unknown): message is RateOrder =>
  typeof message === 'object' && message !== null && 'rateOrder' in message;
const isRateReport = (message: unknown): message is RateReport =>
  typeof message === 'object' && message !== null && 'rateReport' in message;
const isWorking = (message: unknown): message is { working: true } =>
  typeof message === 'object' && message !== null && 'working' in message;

function percentile(sorted: Float64Array, fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)]!;
}

/** An open-loop load: request i is due at start + i / rate, sent then however the earlier ones are doing. */
async function runRate({ rateOrder: order }: RateOrder): Promise<RateReport> {
  const target = new URL(order.url);
  const agent = new Agent({ keepAlive: true, maxSockets: 2048 });
  const generator = bodyGenerator(order.traffic, order.uidPrefix, 0);
  const latencies = new Float64Array(order.count).fill(Number.NaN);
  const interval = 1000 / order.rate;
  let ok = 0;
  let non2xx = 0;
  let errors = 0;
  let settled = 0;
  let maxSendLagMs = 0;
  let allSettled = (): void => {};
  const finished = new Promise<void>((resolve) => {
    allSettled = resolve;
  });
  const settle = (): void => {
    if (++settled === order.count) allSettled();
  };
  const fire = (index: number, due: number): void => {
    const body = generator.next();
    maxSendLagMs = Math.max(maxSendLagMs, performance.now() - due);
    const sent = request(
      {
        host: target.hostname,
        port: target.port,
        path: order.traffic.path,
        method: 'POST',
        agent,
        headers: { ...order.traffic.headers, 'content-length': Buffer.byteLength(body) },
        timeout: 10_000,
      },
      (response) => {
        response.resume();
        response.once('end', () => {
          latencies[index] = performance.now() - due;
          if (response.statusCode !== undefined && response.statusCode >= 200 && response.statusCode < 300) ok++;
          else non2xx++;
          settle();
        });
      },
    );
    sent.once('timeout', () => sent.destroy(new Error('timed out')));
    sent.once('error', () => {
      errors++;
      settle();
    });
    sent.end(body);
  };
  const start = performance.now() + 20;
  let next = 0;
  while (next < order.count) {
    const due = Math.min(order.count, Math.floor((performance.now() - start) / interval) + 1);
    for (; next < due; next++) fire(next, start + next * interval);
    await sleep(1);
  }
  const sentSeconds = (performance.now() - start) / 1000;
  await finished;
  agent.destroy();
  const sorted = latencies.filter((value) => !Number.isNaN(value)).sort();
  return {
    rateReport: {
      sent: order.count,
      ok,
      non2xx,
      errors,
      sentPerSecond: order.count / sentSeconds,
      maxSendLagMs,
      p50Ms: percentile(sorted, 0.5),
      p90Ms: percentile(sorted, 0.9),
      p99Ms: percentile(sorted, 0.99),
      maxMs: sorted.length === 0 ? Number.NaN : sorted[sorted.length - 1]!,
    },
  };
}

function runRateRole(): void {
  process.once('disconnect', () => process.exit(0));
  process.on('message', (message: unknown) => {
    if (!isRateOrder(message)) return;
    const watchdog = setTimeout(() => {
      console.error('rate: timed out');
      process.exit(3);
    }, 120_000);
    runRate(message).then(
      (report) => {
        clearTimeout(watchdog);
        process.send?.(report);
      },
      (error: unknown) => {
        console.error('rate:', error);
        process.exit(1);
      },
    );
  });
}

// ---------------------------------------------------------------------------------------------------------------
// The runner

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

function startRole(cores: string | null, role: string, env: Record<string, string> = {}): ChildProcess {
  return spawnPinned(cores, process.execPath, [...process.execArgv, join(BENCH_DIR, 'queue.ts'), '--role', role], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}

function startScript(cores: string | null, script: string): ChildProcess {
  return spawnPinned(cores, process.execPath, [...process.execArgv, join(BENCH_DIR, script)], {
    env: process.env,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}

async function startRedis(pinning: Pinning): Promise<{ port: number; child: ChildProcess; client: Redis }> {
  const port = await freePort();
  const child = spawnPinned(
    pinning.serverCores,
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--loglevel', 'warning'],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const client = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0 });
  client.on('error', () => undefined);
  for (let attempt = 0; attempt < 50; attempt++) {
    try {
      if (client.status !== 'ready') await client.connect();
      await client.ping();
      return { port, child, client };
    } catch {
      await sleep(100);
    }
  }
  client.disconnect();
  await stopChild(child);
  throw new Error(`redis-server did not answer on port ${port} within 5 s`);
}

/** One variant's figures. */
interface VariantResult {
  delivery: Delivery;
  handlerMs: number;
  burst: LoadReport & { webCpuMicrosPerRequest: number; redisCpuMicrosPerRequest: number };
  /** Seconds the workers took, after the burst, to empty the queue (null in-process). */
  burstDrainSeconds: number | null;
  /** The fixed-rate rounds, each with the server's own answer times; `rate` is the round of median p99. */
  rateRounds: Array<RateReport['rateReport'] & { serverP50Ms: number; serverP99Ms: number }>;
  rate: RateReport['rateReport'] & { serverP50Ms: number; serverP99Ms: number };
  rateDrainSeconds: number | null;
  /** Jobs completed by the workers over the variant (null in-process). */
  completed: number | null;
}

interface Harness {
  pinning: Pinning;
  redis: { port: number; child: ChildProcess; client: Redis };
  load: ChildProcess;
  rate: ChildProcess;
}

async function cpuOf(child: ChildProcess): Promise<number> {
  const answer = waitForMessage(child, isCpuUsage, 10_000, 'web cpu');
  child.send(CPU_QUERY);
  return (await answer).cpuMicros;
}

async function burst(harness: Harness, url: string, traffic: TrafficPlan, uidPrefix: string, seconds: number) {
  const order: LoadOrder = { url, traffic, uidPrefix, connections: SETTINGS.connections, seconds };
  const answer = waitForMessage(harness.load, isLoadReport, (seconds + 70) * 1000, 'load');
  harness.load.send(order);
  return answer;
}

/** Waits until the queue holds no waiting, delayed or active job (at most `ms`); resolves the seconds it took. */
async function drain(
  queue: InstanceType<typeof BullMQEntry.BullMQQueue>,
  ms: number,
): Promise<{ seconds: number; completed: number }> {
  const started = performance.now();
  for (;;) {
    const counts = await queue.counts();
    if (counts.waiting + counts.active + counts.delayed === 0) {
      return { seconds: (performance.now() - started) / 1000, completed: counts.completed };
    }
    if (performance.now() - started > ms) throw new Error(`the queue did not drain within ${ms / 1000} s`);
    await sleep(100);
  }
}

async function runVariant(
  harness: Harness,
  traffic: TrafficPlan,
  delivery: Delivery,
  handlerMs: number,
  round: number,
): Promise<VariantResult> {
  const { pinning, redis } = harness;
  await redis.client.flushall();
  const queueName = `bench-${round}`;
  const env = {
    BENCH_DELIVERY: delivery,
    BENCH_HANDLER_MS: String(handlerMs),
    BENCH_REDIS_PORT: String(redis.port),
    BENCH_QUEUE_NAME: queueName,
    BENCH_PORT: String(await freePort()),
  };
  const web = startRole(pinning.serverCores, 'web', env);
  const workers: ChildProcess[] = [];
  const queue =
    delivery === 'queue'
      ? new (loadBullMQ().BullMQQueue)({ connection: { host: '127.0.0.1', port: redis.port }, name: queueName })
      : null;
  try {
    const ready = await waitForMessage(web, isServerReady, 30_000, 'web');
    if (queue !== null) {
      const concurrency = handlerMs === 0 ? SETTINGS.fastConcurrency : SETTINGS.slowConcurrency;
      // The workers run where the load generator does, as if on other machines: the web process's core does
      // the receipt only, as in-process delivery's does (BENCH_QUEUE_WORKERS_WITH_WEB=1 puts them beside it).
      const cores = process.env.BENCH_QUEUE_WORKERS_WITH_WEB === '1' ? pinning.serverCores : pinning.loadCores;
      for (let index = 0; index < SETTINGS.workers; index++) {
        workers.push(startRole(cores, 'worker', { ...env, BENCH_CONCURRENCY: String(concurrency) }));
      }
      await Promise.all(workers.map((worker) => waitForMessage(worker, isWorking, 30_000, 'worker')));
    }
    const url = `http://127.0.0.1:${ready.port}`;
    const prefix = `n2.${delivery}.${handlerMs}.${round}`;
    const drainBound = 120_000;
    await burst(harness, url, traffic, `${prefix}.warm`, SETTINGS.warmupSeconds);
    if (queue !== null) await drain(queue, drainBound);

    const webBefore = await cpuOf(web);
    const redisBefore = procCpuMicros(redis.child.pid!);
    const report = await burst(harness, url, traffic, `${prefix}.burst`, SETTINGS.burstSeconds);
    const webCpu = (await cpuOf(web)) - webBefore;
    const redisCpu = procCpuMicros(redis.child.pid!) - redisBefore;
    const burstDrain = queue === null ? null : await drain(queue, drainBound);

    const count = Math.round(SETTINGS.rate * SETTINGS.rateSeconds);
    const rateRounds: VariantResult['rateRounds'] = [];
    let rateDrain: { seconds: number; completed: number } | null = null;
    for (let rateRound = 1; rateRound <= SETTINGS.rateRounds; rateRound++) {
      const serverTimes = waitForMessage(web, isAnswerTimes, 140_000, 'web answer times');
      web.send(ANSWER_TIMES_START);
      const rateAnswer = waitForMessage(harness.rate, isRateReport, 130_000, 'rate');
      harness.rate.send({
        rateOrder: { url, traffic, uidPrefix: `${prefix}.rate${rateRound}`, rate: SETTINGS.rate, count },
      } satisfies RateOrder);
      const report = (await rateAnswer).rateReport;
      web.send(ANSWER_TIMES_STOP);
      const { answerTimes } = await serverTimes;
      rateRounds.push({ ...report, serverP50Ms: answerTimes.p50Ms, serverP99Ms: answerTimes.p99Ms });
      rateDrain = queue === null ? null : await drain(queue, drainBound);
    }
    const byP99 = [...rateRounds].sort((a, b) => a.p99Ms - b.p99Ms);
    const rate = byP99[Math.floor((byP99.length - 1) / 2)]!;
    return {
      delivery,
      handlerMs,
      burst: {
        ...report,
        webCpuMicrosPerRequest: webCpu / report.requests,
        redisCpuMicrosPerRequest: redisCpu / report.requests,
      },
      burstDrainSeconds: burstDrain?.seconds ?? null,
      rateRounds,
      rate,
      rateDrainSeconds: rateDrain?.seconds ?? null,
      completed: rateDrain?.completed ?? null,
    };
  } finally {
    await queue?.close();
    await Promise.all([...workers, web].map(stopChild));
  }
}

const ms = (value: number): string => (Number.isFinite(value) ? value.toFixed(1) : 'n/a');

function tables(results: readonly VariantResult[]): string[] {
  const label = (result: VariantResult): string =>
    `${result.delivery}, ${result.handlerMs === 0 ? 'no-op handler' : `${result.handlerMs} ms handler`}`;
  const lines = [
    `Receipt throughput (closed loop: ${SETTINGS.connections} connections, ${SETTINGS.burstSeconds} s, a new call ` +
      'in every request):',
    '',
    '| delivery | req/s | p50 ms | p99 ms | web CPU us/req | redis-server CPU us/req | non-2xx, errors | queue drained after |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const result of results) {
    const { burst: b } = result;
    lines.push(
      `| ${label(result)} | ${formatInteger(b.requestsPerSecond)} | ${ms(b.latencyP50Ms)} | ${ms(b.latencyP99Ms)} | ` +
        `${formatInteger(b.webCpuMicrosPerRequest)} | ${formatInteger(b.redisCpuMicrosPerRequest)} | ` +
        `${b.non2xx + b.errors + b.timeouts} | ` +
        `${result.burstDrainSeconds === null ? '-' : `${result.burstDrainSeconds.toFixed(1)} s`} |`,
    );
  }
  const rounds = SETTINGS.rateRounds;
  lines.push(
    '',
    `Answer latency at a fixed rate (open loop: ${formatInteger(SETTINGS.rate)} req/s for ${SETTINGS.rateSeconds} s, ` +
      `latency from when each request was due${rounds > 1 ? `; the median round of ${rounds} by p99, all p99s in brackets` : ''}; ` +
      'server: from its request event to the last byte written):',
    '',
    '| delivery | sent req/s | p50 ms | p90 ms | p99 ms | max ms | server p50 / p99 ms | load generator lag, max ms | non-2xx, errors | queue drained after |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  );
  for (const result of results) {
    const { rate: r } = result;
    const all = rounds > 1 ? ` (${result.rateRounds.map((round) => ms(round.p99Ms)).join(', ')})` : '';
    const faults = result.rateRounds.reduce((sum, round) => sum + round.non2xx + round.errors, 0);
    lines.push(
      `| ${label(result)} | ${formatInteger(r.sentPerSecond)} | ${ms(r.p50Ms)} | ${ms(r.p90Ms)} | ${ms(r.p99Ms)}${all} | ` +
        `${ms(r.maxMs)} | ${ms(r.serverP50Ms)} / ${ms(r.serverP99Ms)} | ${ms(r.maxSendLagMs)} | ${faults} | ` +
        `${result.rateDrainSeconds === null ? '-' : `${result.rateDrainSeconds.toFixed(1)} s`} |`,
    );
  }
  return lines;
}

async function runner(): Promise<number> {
  if (spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status !== 0) {
    console.error('bench/queue.ts needs redis-server (apt-get install -y redis-server)');
    return 1;
  }
  // Read before choosePinning() pins this process to one core.
  const machine = {
    nproc: availableParallelism(),
    cpu: cpus()[0]?.model ?? 'unknown',
    node: process.version,
    loadAverageAtStart: loadavg()[0]!.toFixed(2),
  };
  const pinning = choosePinning();
  console.log(`bench/queue.ts: ${JSON.stringify(machine)}`);
  console.log(pinning.note);
  const redis = await startRedis(pinning);
  if (!canReadProcCpu(redis.child.pid!)) throw new Error('cannot read redis-server CPU time from /proc');
  const load = startScript(pinning.loadCores, 'load.ts');
  const rate = startRole(pinning.loadCores, 'rate');
  const harness: Harness = { pinning, redis, load, rate };
  const traffic = buildTrafficPlan('worst');
  const results: VariantResult[] = [];
  try {
    let round = 0;
    for (const handlerMs of [0, SETTINGS.slowHandlerMs]) {
      for (const delivery of ['in-process', 'queue'] as const) {
        const result = await runVariant(harness, traffic, delivery, handlerMs, ++round);
        results.push(result);
        console.log(
          `${delivery}, handler ${handlerMs} ms: ${formatInteger(result.burst.requestsPerSecond)} req/s ` +
            `(p99 ${ms(result.burst.latencyP99Ms)} ms); at ${SETTINGS.rate} req/s p99 ${ms(result.rate.p99Ms)} ms`,
        );
      }
    }
  } finally {
    redis.client.disconnect();
    await Promise.all([load, rate, redis.child].map(stopChild));
  }
  console.log(`load average at the end: ${loadavg()[0]!.toFixed(2)}`);
  console.log('');
  for (const line of tables(results)) console.log(line);
  const slowQueue = results.find((result) => result.delivery === 'queue' && result.handlerMs > 0);
  const slowInProcess = results.find((result) => result.delivery === 'in-process' && result.handlerMs > 0);
  const faults = results.reduce(
    (sum, result) =>
      sum +
      result.burst.non2xx +
      result.burst.errors +
      result.rateRounds.reduce((inRounds, round) => inRounds + round.non2xx + round.errors, 0),
    0,
  );
  console.log('');
  if (slowQueue !== undefined && slowInProcess !== undefined) {
    // The median round's p99, as the table shows it.
    const met = slowQueue.rate.p99Ms < SETTINGS.targetP99Ms;
    console.log(
      `target: with the ${SETTINGS.slowHandlerMs} ms handler at ${SETTINGS.rate} req/s, p99 answer latency with the ` +
        `queue < ${SETTINGS.targetP99Ms} ms: ${ms(slowQueue.rate.p99Ms)} ms, ${met ? 'met' : 'NOT met'} ` +
        `(in-process: ${ms(slowInProcess.rate.p99Ms)} ms, bound by the handler)`,
    );
  }
  mkdirSync(join(BENCH_DIR, 'results'), { recursive: true });
  writeFileSync(
    join(BENCH_DIR, 'results', 'queue.json'),
    `${JSON.stringify({ machine, settings: SETTINGS, results }, null, 2)}\n`,
  );
  if (faults > 0) console.log(`!! ${faults} non-2xx answers or errors`);
  return faults > 0 ? 1 : 0;
}

const role = process.argv[process.argv.indexOf('--role') + 1];
if (process.argv.includes('--role') && role === 'web') runWeb();
else if (process.argv.includes('--role') && role === 'worker') runWorker();
else if (process.argv.includes('--role') && role === 'rate') runRateRole();
else {
  runner().then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
