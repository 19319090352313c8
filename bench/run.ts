// `npm run bench`: the HTTP comparison (every variant a server process alive for the whole run, short bursts
// interleaved round by round, two traffic shapes, CPU time per request, per-round ratios), then the
// micro-benchmarks. `npm run bench -- --profile <variant>`: one variant under the V8 CPU profiler instead.

import { spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { join } from 'node:path';

import Redis from 'ioredis';

import {
  CPU_QUERY,
  envNumber,
  formatInteger,
  freePort,
  isCpuUsage,
  isLoadReport,
  isProfileWritten,
  isQuickMode,
  isServerReady,
  packageExport,
  spread,
  type LoadReport,
  type ProfileStart,
  type ProfileStop,
  type Rates,
  type Spread,
  waitForMessage,
} from './common';
import { printMemoryResult, type MemoryResult } from './micro/memory';
import { printNormalizeResults, type NormalizeResult } from './micro/normalize';
import { printStoreResults, type StoreResult } from './micro/store';
import { canReadProcCpu, choosePinning, procCpuMicros, spawnPinned, type Pinning } from './pinning';
import { summarizeProfile, type CpuProfile } from './profile';
import { buildTrafficPlan, TRAFFIC_SHAPES, type LoadOrder, type TrafficPlan, type TrafficShape } from './traffic';

// ---------------------------------------------------------------------------------------------------------------
// Variants, ratios, targets

const VARIANT_IDS = [
  'floor',
  'hand',
  'express5',
  'express4',
  'node',
  'fetch',
  'redis',
  'express5-nostore',
  'express5-empty',
] as const;
type VariantId = (typeof VARIANT_IDS)[number];

interface Variant {
  id: VariantId;
  name: string;
  script: string;
  env: Record<string, string>;
  /** Run only when named in BENCH_ONLY. */
  diagnostic?: boolean;
  /** The built package's export the variant needs (skipped, with a line, when the build lacks it). */
  needsExport?: string;
  /** Needs the redis-server the bench starts. */
  needsRedis?: boolean;
}

const VARIANTS: readonly Variant[] = [
  {
    id: 'floor',
    name: 'node:http floor: form body, JSON.parse, normalizePayload',
    script: 'servers/floor.ts',
    env: {},
  },
  { id: 'hand', name: 'hand-written Express 5 handler', script: 'servers/express-handler.ts', env: {} },
  {
    id: 'express5',
    name: 'myOperatorWebhook() on Express 5, MemoryStore',
    script: 'servers/express-chain.ts',
    env: { BENCH_EXPRESS: '5' },
  },
  {
    id: 'express4',
    name: 'myOperatorWebhook() on Express 4, MemoryStore',
    script: 'servers/express-chain.ts',
    env: { BENCH_EXPRESS: '4' },
  },
  {
    id: 'node',
    name: 'myOperatorNodeHandler() on node:http, MemoryStore',
    script: 'servers/node-handler.ts',
    env: {},
    needsExport: 'myOperatorNodeHandler',
  },
  {
    id: 'fetch',
    name: 'myOperatorFetchHandler() via a node:http bridge, MemoryStore',
    script: 'servers/fetch-handler.ts',
    env: {},
    needsExport: 'myOperatorFetchHandler',
  },
  {
    id: 'redis',
    name: 'myOperatorWebhook() on Express 5, RedisStore (+ redis-server CPU)',
    script: 'servers/express-chain.ts',
    env: { BENCH_EXPRESS: '5', BENCH_STORE: 'redis' },
    needsRedis: true,
  },
  {
    id: 'express5-nostore',
    name: 'diagnostic: express5 with dedupe: false, sessions: false',
    script: 'servers/express-chain.ts',
    env: { BENCH_EXPRESS: '5', BENCH_STORE: 'none' },
    diagnostic: true,
  },
  {
    id: 'express5-empty',
    name: 'diagnostic: express5, MemoryStore not filled first',
    script: 'servers/express-chain.ts',
    env: { BENCH_EXPRESS: '5', BENCH_PREFILL: '0' },
    diagnostic: true,
  },
];

interface RatioDefinition {
  /** `top/bottom`: how many times faster `top` is than `bottom` (> 1: top is faster). */
  id: string;
  top: VariantId;
  bottom: VariantId;
  what: string;
  target?: number;
}

const RATIOS: readonly RatioDefinition[] = [
  { id: 'express5/hand', top: 'express5', bottom: 'hand', what: 'Express 5 chain / hand-written', target: 1.2 },
  { id: 'node/hand', top: 'node', bottom: 'hand', what: 'node handler / hand-written', target: 3 },
  { id: 'node/floor', top: 'node', bottom: 'floor', what: 'node handler / node:http floor', target: 0.7 },
  { id: 'fetch/node', top: 'fetch', bottom: 'node', what: 'fetch handler (bridged) / node handler' },
  { id: 'express4/hand', top: 'express4', bottom: 'hand', what: 'Express 4 chain / hand-written' },
  { id: 'redis/express5', top: 'redis', bottom: 'express5', what: 'RedisStore / MemoryStore (Express 5)' },
  { id: 'express5/floor', top: 'express5', bottom: 'floor', what: 'Express 5 chain / node:http floor' },
];

const MICRO_TARGETS = { inCallEventsPerSecond: 300_000, heapGrowth: 1.1 } as const;

// ---------------------------------------------------------------------------------------------------------------
// Configuration

const BENCH_DIR = __dirname;
const RESULTS_DIR = join(BENCH_DIR, 'results');
const README = join(BENCH_DIR, 'README.md');
const quick = isQuickMode();
const startedAt = Date.now();

/** `[12 s]`: time since the runner started, for the progress lines. */
function elapsed(): string {
  return `[${Math.round((Date.now() - startedAt) / 1000)} s]`;
}

function argValue(flag: string): string | undefined {
  const argv = process.argv.slice(2);
  const at = argv.findIndex((arg) => arg === flag || arg.startsWith(`${flag}=`));
  if (at < 0) return undefined;
  const arg = argv[at]!;
  return arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[at + 1];
}

function listOption(text: string | undefined, fallback: readonly string[]): string[] {
  return text === undefined || text.trim() === ''
    ? [...fallback]
    : text
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item !== '');
}

const config = {
  rounds: Math.round(envNumber('BENCH_ROUNDS', quick ? 2 : 6)),
  burstSeconds: envNumber('BENCH_DURATION', quick ? 0.3 : 2),
  warmupSeconds: envNumber('BENCH_WARMUP', quick ? 0.2 : 1.5),
  connections: Math.round(envNumber('BENCH_CONNECTIONS', 32)),
  only: listOption(
    process.env.BENCH_ONLY,
    VARIANTS.filter((variant) => variant.diagnostic !== true).map((variant) => variant.id),
  ),
  shapes: listOption(process.env.BENCH_SHAPES, TRAFFIC_SHAPES),
  http: process.env.BENCH_HTTP !== '0',
  micro: process.env.BENCH_MICRO !== '0',
  profile: listOption(argValue('--profile') ?? process.env.BENCH_PROFILE, []),
  profileShape: process.env.BENCH_PROFILE_SHAPE ?? 'realistic',
  profileSeconds: envNumber('BENCH_PROFILE_SECONDS', quick ? 1 : 5),
  profileIntervalMicros: Math.round(envNumber('BENCH_PROFILE_INTERVAL', 250)),
  quick,
};

function checkConfig(): void {
  for (const id of [...config.only, ...config.profile]) {
    if (!(VARIANT_IDS as readonly string[]).includes(id)) {
      throw new Error(`unknown variant "${id}" (variants: ${VARIANT_IDS.join(', ')})`);
    }
  }
  for (const shape of [...config.shapes, config.profileShape]) {
    if (!(TRAFFIC_SHAPES as readonly string[]).includes(shape)) {
      throw new Error(`unknown traffic shape "${shape}" (shapes: ${TRAFFIC_SHAPES.join(', ')})`);
    }
  }
}

function machine(): Record<string, string | number> {
  return {
    nproc: availableParallelism(),
    cpu: cpus()[0]?.model ?? 'unknown',
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    loadAverageAtStart: loadavg()[0]!.toFixed(2),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Child processes

/** Ends a child this runner started: SIGTERM, then SIGKILL if it has not exited within 5 s. */
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

/** Starts a bench script in Node (with the runner's tsx loader) on `cores`, with an IPC channel. */
function startScript(
  cores: string | null,
  script: string,
  env: Record<string, string> = {},
  nodeArgs: string[] = [],
): ChildProcess {
  return spawnPinned(cores, process.execPath, [...process.execArgv, ...nodeArgs, join(BENCH_DIR, script)], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}

interface RedisServer {
  port: number;
  process: ChildProcess;
  pid: number;
}

function redisServerAvailable(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** A redis-server on a free loopback port, pinned with the servers, answering PING, flushed. */
async function startRedis(pinning: Pinning): Promise<RedisServer> {
  const port = await freePort();
  const child = spawnPinned(
    pinning.serverCores,
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--loglevel', 'warning'],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const client = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0 });
  client.on('error', () => undefined); // refused while redis-server starts; retried below
  try {
    for (let attempt = 0; attempt < 50; attempt++) {
      try {
        if (client.status !== 'ready') await client.connect();
        await client.ping();
        await client.flushall();
        if (child.pid === undefined || !canReadProcCpu(child.pid)) {
          throw new Error('cannot read redis-server CPU time from /proc: its cost would be left out');
        }
        return { port, process: child, pid: child.pid };
      } catch (error) {
        if (error instanceof Error && error.message.startsWith('cannot read')) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  } catch (error) {
    await stopChild(child);
    throw error;
  } finally {
    client.disconnect();
  }
  await stopChild(child);
  throw new Error(`redis-server did not answer on port ${port} within 5 s`);
}

interface RunningServer {
  variant: Variant;
  process: ChildProcess;
  port: number;
  /** redis-server, whose CPU time is counted in this variant's cost. */
  redis: RedisServer | null;
}

async function startServer(
  variant: Variant,
  pinning: Pinning,
  redis: RedisServer | null,
  nodeArgs: string[],
): Promise<RunningServer> {
  // The quick mode checks the harness: a store filled with 5,000 calls is enough for that, and starts faster.
  const env: Record<string, string> = {};
  if (quick && process.env.BENCH_PREFILL === undefined) env.BENCH_PREFILL = '5000';
  Object.assign(env, variant.env);
  if (variant.needsRedis && redis) env.BENCH_REDIS_PORT = String(redis.port);
  const child = startScript(pinning.serverCores, variant.script, env, nodeArgs);
  try {
    const { port, about } = await waitForMessage(child, isServerReady, 180_000, `server (${variant.id})`);
    console.log(`  ${variant.id} listens on ${port}${about ? ` (${about})` : ''}`);
    return { variant, process: child, port, redis: variant.needsRedis ? redis : null };
  } catch (error) {
    await stopChild(child);
    throw error;
  }
}

async function serverCpuMicros(server: RunningServer): Promise<number> {
  const answer = waitForMessage(server.process, isCpuUsage, 10_000, `server CPU usage (${server.variant.id})`);
  server.process.send(CPU_QUERY);
  return (await answer).cpuMicros;
}

// ---------------------------------------------------------------------------------------------------------------
// Smoke check: every variant answers the traffic as the package does, and refuses a wrong secret

async function post(url: string, headers: Record<string, string>, body: string): Promise<number> {
  const response = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(10_000) });
  await response.arrayBuffer();
  return response.status;
}

/** One realistic call, a redelivery, a worst-case request and a wrong secret; returns what went wrong, if anything. */
async function smokeCheck(server: RunningServer, plans: ReadonlyMap<TrafficShape, TrafficPlan>): Promise<string[]> {
  const problems: string[] = [];
  const realistic = plans.get('realistic') ?? buildTrafficPlan('realistic');
  const url = `http://127.0.0.1:${server.port}${realistic.path}`;
  const uid = `n2.smoke.${server.variant.id}.${Date.now()}`;
  for (const step of realistic.calls[0] ?? []) {
    const status = await post(url, realistic.headers, step.parts.join(uid));
    if (status !== 200) problems.push(`${step.label}: ${status}, expected 200`);
  }
  const first = realistic.calls[0]?.[0];
  if (first) {
    const status = await post(url, realistic.headers, first.parts.join(uid));
    if (status !== 200) problems.push(`redelivery of ${first.label}: ${status}, expected 200`);
    const wrongSecret = Object.fromEntries(
      Object.entries(realistic.headers).map(([name, value]) => [name, name === 'content-type' ? value : 'wrong']),
    );
    const refused = await post(url, wrongSecret, first.parts.join(`${uid}.x`));
    if (refused !== 401) problems.push(`wrong secret: ${refused}, expected 401`);
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------------------------
// Bursts

/** One burst of one variant: what the load generator saw, and what it cost the server side. */
interface BurstReport extends LoadReport {
  variant: VariantId;
  shape: TrafficShape;
  round: number;
  /** The server process's CPU time per request, microseconds. */
  serverCpuMicrosPerRequest: number;
  /** redis-server's CPU time per request (0 when the variant does not use it). */
  redisCpuMicrosPerRequest: number;
  /** What the variant costs: server + redis-server CPU time per request. */
  cpuMicrosPerRequest: number;
  /** Share of one core the server side used during the burst (100: saturated). */
  serverCpuPercent: number;
  /** Share of one core the load generator used during the burst. */
  loadCpuPercent: number;
}

interface LoadContext {
  load: ChildProcess;
  plans: ReadonlyMap<TrafficShape, TrafficPlan>;
  runId: string;
}

async function loadBurst(
  context: LoadContext,
  server: RunningServer,
  shape: TrafficShape,
  uidPrefix: string,
  seconds: number,
): Promise<LoadReport> {
  const report = waitForMessage(context.load, isLoadReport, (seconds + 90) * 1000, `load generator (${uidPrefix})`);
  context.load.send({
    url: `http://127.0.0.1:${server.port}`,
    traffic: context.plans.get(shape)!,
    uidPrefix,
    connections: config.connections,
    seconds,
  } satisfies LoadOrder);
  return report;
}

async function measuredBurst(
  context: LoadContext,
  server: RunningServer,
  shape: TrafficShape,
  round: number,
  seconds: number,
  tag: string,
): Promise<BurstReport> {
  const redisPid = server.redis?.pid ?? null;
  const cpuBefore = await serverCpuMicros(server);
  const redisBefore = redisPid === null ? 0 : procCpuMicros(redisPid);
  const report = await loadBurst(
    context,
    server,
    shape,
    `n2.${context.runId}.${server.variant.id}.${shape[0]!}${tag}${round}`,
    seconds,
  );
  const cpuAfter = await serverCpuMicros(server);
  const redisAfter = redisPid === null ? 0 : procCpuMicros(redisPid);
  const requests = Math.max(1, report.requests);
  const serverCpu = cpuAfter - cpuBefore;
  const redisCpu = redisAfter - redisBefore;
  const wallMicros = Math.max(1, report.durationSeconds) * 1e6;
  return {
    ...report,
    variant: server.variant.id,
    shape,
    round,
    serverCpuMicrosPerRequest: serverCpu / requests,
    redisCpuMicrosPerRequest: redisCpu / requests,
    cpuMicrosPerRequest: (serverCpu + redisCpu) / requests,
    serverCpuPercent: (100 * (serverCpu + redisCpu)) / wallMicros,
    loadCpuPercent: (100 * report.loadCpuMicros) / wallMicros,
  };
}

function faultsOf(report: LoadReport): number {
  return report.non2xx + report.errors + report.timeouts;
}

function burstLine(report: BurstReport, prefix: string): string {
  const faults = faultsOf(report);
  return (
    `${prefix} ${report.variant.padEnd(16)} ${formatInteger(report.requestsPerSecond).padStart(7)} req/s  ` +
    `p50 ${report.latencyP50Ms} p99 ${report.latencyP99Ms} ms  ${report.cpuMicrosPerRequest.toFixed(0).padStart(4)} ` +
    `CPU-us/req` +
    (report.redisCpuMicrosPerRequest > 0 ? ` (redis-server ${report.redisCpuMicrosPerRequest.toFixed(0)})` : '') +
    `  server ${report.serverCpuPercent.toFixed(0)}% load ${report.loadCpuPercent.toFixed(0)}%` +
    (faults > 0 ? `  !! non-2xx ${report.non2xx}, errors ${report.errors}, timeouts ${report.timeouts}` : '')
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Summaries

interface VariantSummary {
  variant: VariantId;
  name: string;
  shape: TrafficShape;
  requestsPerSecond: Spread;
  latencyP50Ms: number;
  latencyP99Ms: number;
  cpuMicrosPerRequest: Spread;
  redisCpuMicrosPerRequest: number;
  serverCpuPercent: number;
  loadCpuPercent: number;
  requests: number;
  redeliveries: number;
}

interface RatioSummary {
  id: string;
  what: string;
  shape: TrafficShape;
  target: number | null;
  /** bottom's CPU time per request / top's, per round (> 1: top costs less). */
  byCpuPerRound: number[];
  byCpu: Spread;
  /** top's req/s / bottom's, per round. */
  byRequestsPerRound: number[];
  byRequests: Spread;
}

function summarize(
  bursts: readonly BurstReport[],
  variants: readonly Variant[],
  shapes: readonly TrafficShape[],
): { variants: VariantSummary[]; ratios: RatioSummary[] } {
  const of = (id: VariantId, shape: TrafficShape): BurstReport[] =>
    bursts.filter((report) => report.variant === id && report.shape === shape).sort((a, b) => a.round - b.round);
  const summaries: VariantSummary[] = [];
  const ratios: RatioSummary[] = [];
  for (const shape of shapes) {
    for (const variant of variants) {
      const reports = of(variant.id, shape);
      if (reports.length === 0) continue;
      const middle = (pick: (report: BurstReport) => number): number => spread(reports.map(pick)).median;
      summaries.push({
        variant: variant.id,
        name: variant.name,
        shape,
        requestsPerSecond: spread(reports.map((report) => report.requestsPerSecond)),
        latencyP50Ms: middle((report) => report.latencyP50Ms),
        latencyP99Ms: middle((report) => report.latencyP99Ms),
        cpuMicrosPerRequest: spread(reports.map((report) => report.cpuMicrosPerRequest)),
        redisCpuMicrosPerRequest: middle((report) => report.redisCpuMicrosPerRequest),
        serverCpuPercent: middle((report) => report.serverCpuPercent),
        loadCpuPercent: middle((report) => report.loadCpuPercent),
        requests: reports.reduce((sum, report) => sum + report.requests, 0),
        redeliveries: reports.reduce((sum, report) => sum + report.redeliveries, 0),
      });
    }
    for (const definition of RATIOS) {
      const top = of(definition.top, shape);
      const bottom = of(definition.bottom, shape);
      if (top.length === 0 || bottom.length === 0) continue;
      const pairs = top.flatMap((report) => {
        const other = bottom.find((candidate) => candidate.round === report.round);
        return other ? [[report, other] as const] : [];
      });
      const byCpuPerRound = pairs.map(([over, under]) => under.cpuMicrosPerRequest / over.cpuMicrosPerRequest);
      const byRequestsPerRound = pairs.map(([over, under]) => over.requestsPerSecond / under.requestsPerSecond);
      ratios.push({
        id: definition.id,
        what: definition.what,
        shape,
        target: definition.target ?? null,
        byCpuPerRound,
        byCpu: spread(byCpuPerRound),
        byRequestsPerRound,
        byRequests: spread(byRequestsPerRound),
      });
    }
  }
  return { variants: summaries, ratios };
}

const ratioText = (value: Spread): string =>
  `${value.median.toFixed(2)}x (${value.min.toFixed(2)}-${value.max.toFixed(2)})`;

function httpTables(summary: { variants: VariantSummary[]; ratios: RatioSummary[] }, shapes: TrafficShape[]): string[] {
  const lines: string[] = [];
  for (const shape of shapes) {
    const variants = summary.variants.filter((entry) => entry.shape === shape);
    if (variants.length === 0) continue;
    lines.push(
      `**${shape === 'realistic' ? 'Realistic traffic' : 'Worst case'}** ` +
        (shape === 'realistic'
          ? '(calls of 4-5 webhooks sharing a uid, in order; ~5% redeliveries)'
          : '(a new uid in every request)'),
      '',
      '| variant | CPU us/req (min-max) | req/s (min-max) | p50 ms | p99 ms | server / load core busy |',
      '| --- | ---: | ---: | ---: | ---: | ---: |',
      ...variants.map((entry) => {
        const cpu = entry.cpuMicrosPerRequest;
        const rps = entry.requestsPerSecond;
        const redis =
          entry.redisCpuMicrosPerRequest > 0
            ? `, of which redis-server ${entry.redisCpuMicrosPerRequest.toFixed(0)}`
            : '';
        return (
          `| ${entry.variant} | ${cpu.median.toFixed(0)} (${cpu.min.toFixed(0)}-${cpu.max.toFixed(0)})${redis} | ` +
          `${formatInteger(rps.median)} (${formatInteger(rps.min)}-${formatInteger(rps.max)}) | ` +
          `${entry.latencyP50Ms} | ${entry.latencyP99Ms} | ` +
          `${entry.serverCpuPercent.toFixed(0)}% / ${entry.loadCpuPercent.toFixed(0)}% |`
        );
      }),
      '',
      '| ratio (> 1: the first is faster) | by CPU per request | by req/s | target | per round, by CPU |',
      '| --- | ---: | ---: | --- | --- |',
      ...summary.ratios
        .filter((entry) => entry.shape === shape)
        .map(
          (entry) =>
            `| ${entry.id} (${entry.what}) | ${ratioText(entry.byCpu)} | ${ratioText(entry.byRequests)} | ` +
            `${targetText(entry)} | ${entry.byCpuPerRound.map((value) => value.toFixed(2)).join(', ')} |`,
        ),
      '',
    );
  }
  return lines;
}

function targetText(entry: RatioSummary): string {
  if (entry.target === null) return '';
  const met = (value: Spread): string => (value.median >= entry.target! ? 'met' : 'not met');
  return `>= ${entry.target}x: CPU ${met(entry.byCpu)}, req/s ${met(entry.byRequests)}`;
}

// ---------------------------------------------------------------------------------------------------------------
// The HTTP comparison

interface HttpResult {
  pinning: string;
  skipped: string[];
  bursts: BurstReport[];
  variants: VariantSummary[];
  ratios: RatioSummary[];
  failures: string[];
}

/** The variants to run, and a line for each one that cannot run on this build or machine. */
function selectVariants(ids: readonly string[]): { run: Variant[]; skipped: string[] } {
  const run: Variant[] = [];
  const skipped: string[] = [];
  for (const variant of VARIANTS.filter((each) => ids.includes(each.id))) {
    if (variant.needsExport && packageExport(variant.needsExport) === undefined) {
      skipped.push(`skipped (${variant.id}): the build has no ${variant.needsExport}`);
    } else if (variant.needsRedis && packageExport('RedisStore') === undefined) {
      skipped.push(`skipped (${variant.id}): the build has no RedisStore`);
    } else if (variant.needsRedis && !redisServerAvailable()) {
      skipped.push(`skipped (${variant.id}): redis-server is not installed`);
    } else {
      run.push(variant);
    }
  }
  return { run, skipped };
}

interface Harness {
  pinning: Pinning;
  redis: RedisServer | null;
  servers: RunningServer[];
  context: LoadContext;
  failures: string[];
  stop(): Promise<void>;
}

/** Starts redis-server (if needed), every server at once, and the load generator; smoke-checks every server. */
async function startHarness(
  variants: Variant[],
  shapes: readonly TrafficShape[],
  pinning: Pinning,
  nodeArgs: (variant: Variant) => string[],
): Promise<Harness> {
  const failures: string[] = [];
  const redis = variants.some((variant) => variant.needsRedis) ? await startRedis(pinning) : null;
  const servers: RunningServer[] = [];
  let load: ChildProcess | null = null;
  const stop = async (): Promise<void> => {
    await Promise.all([...servers.map((server) => stopChild(server.process)), load ? stopChild(load) : null]);
    if (redis) await stopChild(redis.process);
  };
  try {
    const started = await Promise.allSettled(
      variants.map((variant) => startServer(variant, pinning, redis, nodeArgs(variant))),
    );
    started.forEach((outcome, index) => {
      if (outcome.status === 'fulfilled') servers.push(outcome.value);
      else failures.push(`${variants[index]!.id} did not start: ${String(outcome.reason)}`);
    });
    const plans = new Map(shapes.map((shape) => [shape, buildTrafficPlan(shape)] as const));
    for (const server of [...servers]) {
      const problems = await smokeCheck(server, plans);
      if (problems.length > 0) {
        failures.push(`${server.variant.id} answered wrongly, left out: ${problems.join('; ')}`);
        servers.splice(servers.indexOf(server), 1);
        await stopChild(server.process);
      }
    }
    load = startScript(pinning.loadCores, 'load.ts');
    return {
      pinning,
      redis,
      servers,
      context: { load, plans, runId: Date.now().toString(36) },
      failures,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function runHttp(pinning: Pinning): Promise<HttpResult> {
  const { run, skipped } = selectVariants(config.only);
  for (const line of skipped) console.log(line);
  const shapes = config.shapes as TrafficShape[];
  const extraArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter((arg) => arg !== '');
  console.log(`${elapsed()} starting ${run.length} servers (each MemoryStore is filled first) ...`);
  const harness = await startHarness(run, shapes, pinning, () => extraArgs);
  const bursts: BurstReport[] = [];
  try {
    for (const failure of harness.failures) console.log(`  !! ${failure}`);
    const slots = shapes.flatMap((shape) => harness.servers.map((server) => ({ shape, server })));
    console.log(
      `${elapsed()} HTTP: ${harness.servers.length} variants x ${shapes.length} traffic shapes, all servers alive; ` +
        `a warm-up burst of ${config.warmupSeconds} s each, then ${config.rounds} rounds of ` +
        `${config.burstSeconds} s bursts, order reversed every other round; ${config.connections} connections`,
    );
    for (const { shape, server } of slots) {
      await loadBurst(
        harness.context,
        server,
        shape,
        `n2.${harness.context.runId}.${server.variant.id}.${shape[0]!}w`,
        config.warmupSeconds,
      );
    }
    for (let round = 0; round < config.rounds; round++) {
      const order = round % 2 === 0 ? slots : [...slots].reverse();
      for (const { shape, server } of order) {
        const report = await measuredBurst(harness.context, server, shape, round, config.burstSeconds, 'm');
        bursts.push(report);
        console.log(burstLine(report, `${elapsed()} round ${round + 1}/${config.rounds} ${shape.padEnd(9)}`));
      }
    }
  } finally {
    await harness.stop();
  }
  const summary = summarize(
    bursts,
    run.filter((variant) => harness.servers.some((server) => server.variant.id === variant.id)),
    shapes,
  );
  const failures = [...harness.failures];
  const faulty = [...new Set(bursts.filter((report) => faultsOf(report) > 0).map((report) => report.variant))];
  if (faulty.length > 0) failures.push(`non-2xx answers or socket errors in ${faulty.join(', ')}`);
  return { pinning: pinning.note, skipped, bursts, ...summary, failures };
}

// ---------------------------------------------------------------------------------------------------------------
// Profiling one variant

async function runProfile(pinning: Pinning): Promise<number> {
  const { run, skipped } = selectVariants(config.profile);
  for (const line of skipped) console.log(line);
  const shape = config.profileShape as TrafficShape;
  const directory = join(RESULTS_DIR, 'profiles');
  mkdirSync(directory, { recursive: true });
  const extraArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter((arg) => arg !== '');
  let failed = skipped.length > 0 && run.length === 0;
  for (const variant of run) {
    const harness = await startHarness([variant], [shape], pinning, () => extraArgs);
    try {
      for (const failure of harness.failures) console.log(`  !! ${failure}`);
      const server = harness.servers[0];
      if (!server) {
        failed = true;
        continue;
      }
      const seconds = config.profileSeconds;
      console.log(
        `profiling ${variant.id} (${variant.name}), ${shape} traffic: warm-up, a plain burst, a profiled burst`,
      );
      await loadBurst(harness.context, server, shape, `n2.${harness.context.runId}.pw`, Math.max(seconds, 2));
      const plain = await measuredBurst(harness.context, server, shape, 0, seconds, 'p');
      console.log(burstLine(plain, '  without the profiler'));
      const file = join(directory, `${variant.id}-${shape}-${harness.context.runId}.cpuprofile`);
      server.process.send({ profileStart: { intervalMicros: config.profileIntervalMicros } } satisfies ProfileStart);
      const profiled = await measuredBurst(harness.context, server, shape, 1, seconds, 'q');
      console.log(burstLine(profiled, '  with the profiler   '));
      const written = waitForMessage(server.process, isProfileWritten, 60_000, 'profile');
      server.process.send({ profileStop: { file } } satisfies ProfileStop);
      if ((await written).profileWritten === '') throw new Error('the server could not write its profile');
      const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
      console.log(`\n${file}`);
      console.log(
        `process CPU during the profiled burst: ${profiled.serverCpuMicrosPerRequest.toFixed(1)} us/req ` +
          `(without the profiler: ${plain.serverCpuMicrosPerRequest.toFixed(1)}); the difference between the ` +
          `process CPU and the main thread's busy time below is other threads (GC helpers, libuv)`,
      );
      console.log(summarizeProfile(profile, { requests: profiled.requests }).join('\n'));
      console.log('');
      if (faultsOf(plain) + faultsOf(profiled) > 0) failed = true;
    } finally {
      await harness.stop();
    }
  }
  return failed ? 1 : 0;
}

// ---------------------------------------------------------------------------------------------------------------
// Micro-benchmarks

async function runMicro<T>(pinning: Pinning, script: string, key: string, execArgv: string[] = []): Promise<T> {
  const child = startScript(pinning.serverCores, script, {}, execArgv);
  const guard = (message: unknown): message is Record<string, T> =>
    typeof message === 'object' && message !== null && key in message;
  try {
    const message = await waitForMessage(child, guard, 600_000, script);
    return message[key]!;
  } finally {
    await stopChild(child);
  }
}

function microTables(
  normalize: readonly NormalizeResult[] | null,
  store: readonly StoreResult[] | null,
  memory: MemoryResult | null,
): string[] {
  const lines: string[] = [];
  const rates = (value: Rates): string =>
    `${formatInteger(value.perCpuSecond)} | ${formatInteger(value.perWallSecond)} | ` +
    value.wallRuns.map(formatInteger).join(', ');
  if (normalize) {
    lines.push(
      '| normalise + validate (`normalizePayload`) | format | events per CPU s | events per wall s | wall runs |',
      '| --- | --- | ---: | ---: | --- |',
      ...normalize.map(
        (result) =>
          `| ${result.sample} | ${result.expectedFormat} | ` +
          (result.rates ? rates(result.rates) : 'skipped: not detected | | ') +
          ' |',
      ),
      '',
    );
  }
  if (store) {
    lines.push(
      '| default store, full, a new call each time | ops per CPU s | ops per wall s | wall runs |',
      '| --- | ---: | ---: | --- |',
      ...store.map((result) => `| ${result.operation} | ${rates(result.rates)} |`),
      '',
    );
  }
  if (memory) {
    lines.push(
      `| heap used, ${formatInteger(memory.calls)} distinct calls through \`receive()\` | MB | claims | sessions |`,
      '| --- | ---: | ---: | ---: |',
      ...memory.checkpoints.map(
        (point) =>
          `| after ${formatInteger(point.calls)} calls | ${point.heapUsedMb.toFixed(1)} | ` +
          `${formatInteger(point.claims)} | ${formatInteger(point.sessions)} |`,
      ),
      '',
      `Heap at the end / once the store was full: ${memory.growthAfterFull.toFixed(3)}x; / once it had turned ` +
        `over: ${memory.growthAfterTurnover.toFixed(3)}x (${memory.seconds.toFixed(1)} s for the loop).`,
      '',
    );
  }
  return lines;
}

// ---------------------------------------------------------------------------------------------------------------
// Main

function writeReadme(markdown: string[]): void {
  const start = '<!-- bench:results:start -->';
  const end = '<!-- bench:results:end -->';
  const text = readFileSync(README, 'utf8');
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from < 0 || to < from) throw new Error(`bench/README.md lacks the ${start} ... ${end} markers`);
  writeFileSync(README, `${text.slice(0, from + start.length)}\n${markdown.join('\n')}\n${text.slice(to)}`);
}

/**
 * Copies dist/'s code into bench/results/dist (resolvable from there: node_modules is up the tree) and points every
 * process of the run at the copy, so that one build is measured throughout even if dist/ is rebuilt meanwhile.
 */
async function snapshotDist(): Promise<void> {
  if (process.env.BENCH_DIST) return;
  const source = join(BENCH_DIR, '..', 'dist');
  const target = join(RESULTS_DIR, 'dist');
  for (let attempt = 0; attempt < 20; attempt++) {
    try {
      rmSync(target, { recursive: true, force: true });
      // Code only: type declarations in bench/ would join the project's type-check and lint.
      cpSync(source, target, { recursive: true, filter: (path) => !/\.d\.m?ts$/.test(path) });
      if (existsSync(join(target, 'cjs/index.js')) && existsSync(join(target, 'cjs/testing/index.js'))) {
        process.env.BENCH_DIST = target;
        return;
      }
    } catch {
      // dist/ is being rebuilt: try again shortly
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error('could not copy a complete dist/ within 10 s: run `npm run build`');
}

async function main(): Promise<number> {
  const started = Date.now();
  checkConfig();
  await snapshotDist();
  const host = machine();
  const pinning = choosePinning();
  console.log(
    `machine: ${host.nproc} cores, ${host.cpu}, node ${host.node}, load average ${host.loadAverageAtStart}` +
      (config.quick ? ' (BENCH_QUICK=1: a harness check, not a measurement)' : ''),
  );
  console.log(pinning.note);
  if (config.profile.length > 0) return runProfile(pinning);

  const http = config.http ? await runHttp(pinning) : null;

  let normalize: NormalizeResult[] | null = null;
  let store: StoreResult[] | null = null;
  let memory: MemoryResult | null = null;
  if (config.micro) {
    console.log(`${elapsed()} micro-benchmarks, each in its own process: normalize, store, memory`);
    normalize = await runMicro<NormalizeResult[]>(pinning, 'micro/normalize.ts', 'normalize');
    store = await runMicro<StoreResult[]>(pinning, 'micro/store.ts', 'store');
    memory = await runMicro<MemoryResult>(pinning, 'micro/memory.ts', 'memory', ['--expose-gc']);
  }

  const markdown: string[] = [];
  console.log('\n== results ==');
  const header =
    `Taken ${new Date().toISOString().slice(0, 10)}: ${host.nproc} cores (${host.cpu}), node ${host.node}; ` +
    `${pinning.note}; ${config.rounds} rounds of ${config.burstSeconds} s bursts per variant and shape ` +
    `(after a ${config.warmupSeconds} s warm-up burst each), ${config.connections} connections; load average ` +
    `${host.loadAverageAtStart} at the start, ${loadavg()[0]!.toFixed(2)} at the end.`;
  console.log(header);
  markdown.push(header, '');
  if (http) {
    const table = httpTables(http, config.shapes as TrafficShape[]);
    const notes = [...http.skipped];
    console.log(`\n${table.join('\n')}`);
    for (const note of notes) console.log(note);
    markdown.push(...table, ...notes.map((note) => `${note}.`), '');
  }
  if (normalize) printNormalizeResults(normalize);
  if (store) printStoreResults(store);
  if (memory) printMemoryResult(memory);
  markdown.push(...microTables(normalize, store, memory));

  const failures = [...(http?.failures ?? [])];
  const targets: Array<{ target: string; value: string; met: boolean }> = [];
  for (const entry of http?.ratios ?? []) {
    if (entry.target === null) continue;
    for (const [metric, value] of [
      ['CPU per request', entry.byCpu],
      ['req/s', entry.byRequests],
    ] as const) {
      targets.push({
        target: `${entry.id} >= ${entry.target}x, ${entry.shape}, by ${metric}`,
        value: ratioText(value),
        met: value.median >= entry.target,
      });
    }
  }
  const inCall = normalize?.find((result) => result.expectedFormat === 'incall-v1')?.rates;
  if (inCall) {
    targets.push({
      target: `normalise + validate the in-call log >= ${formatInteger(MICRO_TARGETS.inCallEventsPerSecond)} events/s`,
      value: `${formatInteger(inCall.perCpuSecond)} per CPU second`,
      met: inCall.perCpuSecond >= MICRO_TARGETS.inCallEventsPerSecond,
    });
  }
  if (memory) {
    targets.push({
      target: `default store flat after ${formatInteger(memory.calls)} calls (heap end / full <= ${MICRO_TARGETS.heapGrowth})`,
      value: `${memory.growthAfterFull.toFixed(3)}x (${memory.checkpoints.at(-1)!.heapUsedMb.toFixed(1)} MB)`,
      met: memory.growthAfterFull <= MICRO_TARGETS.heapGrowth,
    });
  }
  console.log('\ntargets (median of the per-round ratios, min-max in brackets):');
  for (const entry of targets) console.log(`  ${entry.met ? 'met    ' : 'not met'}  ${entry.target}: ${entry.value}`);
  for (const failure of failures) console.log(`  !! ${failure}`);

  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, 'latest.json');
  writeFileSync(
    file,
    `${JSON.stringify(
      {
        date: new Date().toISOString(),
        machine: { ...host, loadAverageAtEnd: loadavg()[0]!.toFixed(2) },
        config,
        http,
        micro: { normalize, store, memory },
        targets,
        failures,
        seconds: (Date.now() - started) / 1000,
      },
      null,
      2,
    )}\n`,
  );
  console.log(`\nwrote ${file} (${((Date.now() - started) / 1000).toFixed(0)} s in all)`);
  if (process.env.BENCH_WRITE_README === '1') {
    writeReadme(markdown);
    console.log(`updated the figures in ${README}`);
  }
  return failures.length > 0 ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
