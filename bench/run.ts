// `npm run bench`: the HTTP comparison (floor, hand-written Express, the full chain on MemoryStore and Redis),
// each server and the load in their own processes, rounds alternated, medians; then the micro-benchmarks.

import { fork, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { join } from 'node:path';

import Redis from 'ioredis';

import {
  buildRequestTemplate,
  CPU_QUERY,
  envNumber,
  formatInteger,
  freePort,
  isCpuUsage,
  isLoadReport,
  isQuickMode,
  isServerReady,
  loadPackage,
  median,
  type LoadOrder,
  type LoadReport,
  type Rates,
  type RequestTemplate,
} from './common';
import { printMemoryResult, type MemoryResult } from './micro/memory';
import { printNormalizeResults, type NormalizeResult } from './micro/normalize';
import { printStoreResults, type StoreResult } from './micro/store';

type VariantId = 'a' | 'b' | 'c' | 'd' | 'e' | 'f';

interface Variant {
  id: VariantId;
  name: string;
  script: string;
  env: Record<string, string>;
}

/** One variant in one round: what the load generator saw, and the server's CPU time per request. */
interface RoundReport extends LoadReport {
  serverCpuMicrosPerRequest: number;
}

interface VariantSummary {
  id: VariantId;
  name: string;
  rounds: RoundReport[];
  requestsPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  serverCpuMicrosPerRequest: number;
}

interface RatioSummary {
  name: string;
  /** Median over the rounds of the per-round ratio of requests/s. */
  median: number;
  perRound: number[];
  /** The same ratio from the server's CPU time per request (bottom's / top's): robust on a shared machine. */
  byCpuMedian: number;
  byCpuPerRound: number[];
}

const BENCH_DIR = __dirname;
const RESULTS_DIR = join(BENCH_DIR, 'results');
const README = join(BENCH_DIR, 'README.md');
const quick = isQuickMode();
const config = {
  rounds: Math.round(envNumber('BENCH_ROUNDS', quick ? 2 : 5)),
  durationSeconds: envNumber('BENCH_DURATION', quick ? 1 : 5),
  warmupSeconds: envNumber('BENCH_WARMUP', quick ? 0.5 : 2),
  connections: Math.round(envNumber('BENCH_CONNECTIONS', 32)),
  only: (process.env.BENCH_ONLY ?? 'a,b,c,d').split(',').map((id) => id.trim()),
  http: process.env.BENCH_HTTP !== '0',
  micro: process.env.BENCH_MICRO !== '0',
  profile: process.env.BENCH_PROFILE === '1',
  quick,
};

const TARGETS = { chainOverHandWritten: 0.95, inCallEventsPerSecond: 300_000, heapGrowth: 1.1 } as const;

function machine(): Record<string, string | number> {
  return {
    nproc: availableParallelism(),
    cpu: cpus()[0]?.model ?? 'unknown',
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    loadAverageAtStart: loadavg()[0]!.toFixed(2),
  };
}

/** Waits for the first message that passes `guard`, or fails after `timeoutMs` or when the child exits. */
function waitForMessage<T>(
  child: ChildProcess,
  guard: (message: unknown) => message is T,
  timeoutMs: number,
  what: string,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const cleanup = (): void => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`${what}: no answer within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    const onMessage = (message: unknown): void => {
      if (!guard(message)) return;
      cleanup();
      resolve(message);
    };
    const onExit = (code: number | null): void => {
      cleanup();
      reject(new Error(`${what}: exited with code ${String(code)} before answering`));
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

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

function forkScript(script: string, env: Record<string, string> = {}, execArgv: string[] = []): ChildProcess {
  return fork(join(BENCH_DIR, script), [], {
    execArgv: [...process.execArgv, ...execArgv],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}

interface MeasureOrder {
  template: RequestTemplate;
  uidPrefix: string;
}

async function serverCpuMicros(server: ChildProcess): Promise<number> {
  const answer = waitForMessage(server, isCpuUsage, 10_000, 'server CPU usage');
  server.send(CPU_QUERY);
  return (await answer).cpuMicros;
}

/**
 * One variant in one round: a fresh server process, then a warm-up and the measured run from the load process
 * (which lives for the whole HTTP part: its JIT stays warm and its start-up is paid once), the server's CPU time
 * read just before and just after the measured run.
 */
async function measureVariant(variant: Variant, load: ChildProcess, order: MeasureOrder): Promise<RoundReport> {
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter((arg) => arg !== '');
  if (config.profile) nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${join(RESULTS_DIR, 'profiles', variant.id)}`);
  const server = forkScript(variant.script, variant.env, nodeArgs);
  try {
    const { port } = await waitForMessage(server, isServerReady, 30_000, `server (${variant.id})`);
    const phase = async (name: string, seconds: number): Promise<LoadReport> => {
      const report = waitForMessage(load, isLoadReport, (seconds + 90) * 1000, `load generator (${name})`);
      load.send({
        url: `http://127.0.0.1:${port}`,
        template: order.template,
        uidPrefix: `${order.uidPrefix}${name}`,
        connections: config.connections,
        seconds,
      } satisfies LoadOrder);
      return report;
    };
    await phase('w', config.warmupSeconds);
    const cpuBefore = await serverCpuMicros(server);
    const report = await phase('m', config.durationSeconds);
    const cpuAfter = await serverCpuMicros(server);
    return { ...report, serverCpuMicrosPerRequest: (cpuAfter - cpuBefore) / Math.max(1, report.requests) };
  } finally {
    await stopChild(server);
  }
}

interface RedisServer {
  port: number;
  process: ChildProcess;
  client: Redis;
}

function redisServerAvailable(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

async function startRedis(): Promise<RedisServer> {
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--loglevel', 'warning'],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const client = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0 });
  client.on('error', () => undefined); // refused while redis-server starts; retried below
  for (let attempt = 0; attempt < 50; attempt++) {
    try {
      if (client.status !== 'ready') await client.connect();
      await client.ping();
      return { port, process: child, client };
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  client.disconnect();
  await stopChild(child);
  throw new Error(`redis-server did not answer on port ${port} within 5 s`);
}

function variantsToRun(redis: RedisServer | null): Variant[] {
  const variants: Variant[] = [
    { id: 'a', name: 'node:http floor (read form, JSON.parse)', script: 'servers/floor.ts', env: {} },
    { id: 'b', name: 'hand-written Express handler', script: 'servers/express-handler.ts', env: {} },
    { id: 'c', name: 'myOperatorWebhook(), MemoryStore', script: 'servers/webhook.ts', env: {} },
  ];
  if (redis) {
    variants.push({
      id: 'd',
      name: 'myOperatorWebhook(), RedisStore',
      script: 'servers/webhook.ts',
      env: { BENCH_REDIS_PORT: String(redis.port) },
    });
  }
  // A diagnostic, run only when asked for (BENCH_ONLY=...,e): (c) without de-duplication and sessions.
  variants.push({
    id: 'e',
    name: 'myOperatorWebhook(), no dedupe, no sessions',
    script: 'servers/webhook.ts',
    env: { BENCH_STORELESS: '1' },
  });
  // Another diagnostic: (c) with its store empty at the start, to see what holding a full store costs.
  variants.push({
    id: 'f',
    name: 'myOperatorWebhook(), MemoryStore empty at the start',
    script: 'servers/webhook.ts',
    env: { BENCH_PREFILL: '0' },
  });
  return variants.filter((variant) => config.only.includes(variant.id));
}

function ratio(
  name: string,
  rounds: Map<VariantId, RoundReport[]>,
  top: VariantId,
  bottom: VariantId,
): RatioSummary | null {
  const over = rounds.get(top);
  const under = rounds.get(bottom);
  if (!over || !under) return null;
  const perRound = over.map((report, index) => report.requestsPerSecond / under[index]!.requestsPerSecond);
  const byCpuPerRound = over.map(
    (report, index) => under[index]!.serverCpuMicrosPerRequest / report.serverCpuMicrosPerRequest,
  );
  return { name, median: median(perRound), perRound, byCpuMedian: median(byCpuPerRound), byCpuPerRound };
}

async function runHttp(redis: RedisServer | null): Promise<{ variants: VariantSummary[]; ratios: RatioSummary[] }> {
  const variants = variantsToRun(redis);
  const template = buildRequestTemplate();
  const runId = Date.now().toString(36);
  const rounds = new Map<VariantId, RoundReport[]>(variants.map((variant) => [variant.id, []]));
  console.log(
    `HTTP: ${variants.length} variants x ${config.rounds} rounds, ${config.warmupSeconds} s warm-up + ` +
      `${config.durationSeconds} s measured each, ${config.connections} connections, order alternating per round`,
  );
  const runRound = async (load: ChildProcess, round: number): Promise<void> => {
    // Alternate the order (a b c d, then d c b a, ...) so that drift in the machine's load favours no variant.
    const order = round % 2 === 0 ? variants : [...variants].reverse();
    for (const variant of order) {
      if (variant.id === 'd' && redis) await redis.client.flushall();
      const report = await measureVariant(variant, load, {
        template,
        uidPrefix: `n2.${runId}${variant.id}${round}`,
      });
      rounds.get(variant.id)!.push(report);
      const faults = report.non2xx + report.errors + report.timeouts;
      console.log(
        `  round ${round + 1}/${config.rounds} (${variant.id}) ${formatInteger(report.requestsPerSecond).padStart(7)} ` +
          `req/s  p50 ${report.latencyP50Ms} ms  p99 ${report.latencyP99Ms} ms  ` +
          `server ${report.serverCpuMicrosPerRequest.toFixed(0)} CPU-us/req  load avg ${loadavg()[0]!.toFixed(2)}` +
          (faults > 0 ? `  !! non-2xx ${report.non2xx}, errors ${report.errors}, timeouts ${report.timeouts}` : ''),
      );
    }
  };
  const load = forkScript('load.ts');
  try {
    for (let round = 0; round < config.rounds; round++) await runRound(load, round);
  } finally {
    await stopChild(load);
  }
  const summaries = variants.map((variant) => {
    const reports = rounds.get(variant.id)!;
    return {
      id: variant.id,
      name: variant.name,
      rounds: reports,
      requestsPerSecond: median(reports.map((report) => report.requestsPerSecond)),
      latencyP50Ms: median(reports.map((report) => report.latencyP50Ms)),
      latencyP99Ms: median(reports.map((report) => report.latencyP99Ms)),
      serverCpuMicrosPerRequest: median(reports.map((report) => report.serverCpuMicrosPerRequest)),
    };
  });
  const ratios = [
    ratio('c/b (full chain / hand-written Express)', rounds, 'c', 'b'),
    ratio('c/a (full chain / node:http floor)', rounds, 'c', 'a'),
    ratio('d/c (RedisStore / MemoryStore)', rounds, 'd', 'c'),
  ].filter((entry) => entry !== null);
  return { variants: summaries, ratios };
}

function httpTable(variants: readonly VariantSummary[], ratios: readonly RatioSummary[]): string[] {
  const lines = [
    '| variant | req/s | p50 ms | p99 ms | server CPU us/req | req/s per round |',
    '| --- | ---: | ---: | ---: | ---: | --- |',
    ...variants.map(
      (variant) =>
        `| (${variant.id}) ${variant.name} | ${formatInteger(variant.requestsPerSecond)} | ` +
        `${variant.latencyP50Ms} | ${variant.latencyP99Ms} | ${variant.serverCpuMicrosPerRequest.toFixed(0)} | ` +
        `${variant.rounds.map((report) => formatInteger(report.requestsPerSecond)).join(', ')} |`,
    ),
    '',
    '| ratio | by req/s (median) | per round | by server CPU/req (median) | per round |',
    '| --- | ---: | --- | ---: | --- |',
    ...ratios.map(
      (entry) =>
        `| ${entry.name} | ${entry.median.toFixed(3)} | ${entry.perRound.map((value) => value.toFixed(2)).join(', ')} | ` +
        `${entry.byCpuMedian.toFixed(3)} | ${entry.byCpuPerRound.map((value) => value.toFixed(2)).join(', ')} |`,
    ),
  ];
  return lines;
}

async function runMicro<T>(script: string, key: string, execArgv: string[] = []): Promise<T> {
  const child = forkScript(script, {}, execArgv);
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
  await snapshotDist();
  const host = machine();
  console.log(
    `machine: ${host.nproc} cores, ${host.cpu}, node ${host.node}, load average ${host.loadAverageAtStart}` +
      (config.quick ? ' (BENCH_QUICK=1: a harness check, not a measurement)' : ''),
  );
  const hasRedisStore = typeof (loadPackage() as unknown as Record<string, unknown>).RedisStore === 'function';
  let redis: RedisServer | null = null;
  let redisNote: string | null = null;
  if (config.http && config.only.includes('d')) {
    if (!hasRedisStore) redisNote = 'skipped (d): this build of the package exports no RedisStore';
    else if (!redisServerAvailable()) redisNote = 'skipped (d): redis-server is not installed';
    else redis = await startRedis();
    if (redisNote) console.log(redisNote);
  }

  let http: Awaited<ReturnType<typeof runHttp>> | null = null;
  try {
    if (config.http) http = await runHttp(redis);
  } finally {
    if (redis) {
      redis.client.disconnect();
      await stopChild(redis.process);
    }
  }

  let normalize: NormalizeResult[] | null = null;
  let store: StoreResult[] | null = null;
  let memory: MemoryResult | null = null;
  if (config.micro) {
    console.log('micro-benchmarks, each in its own process: normalize, store, memory');
    normalize = await runMicro<NormalizeResult[]>('micro/normalize.ts', 'normalize');
    store = await runMicro<StoreResult[]>('micro/store.ts', 'store');
    memory = await runMicro<MemoryResult>('micro/memory.ts', 'memory', ['--expose-gc']);
  }

  const markdown: string[] = [];
  console.log('\n== results ==');
  console.log(
    `machine: ${host.nproc} cores, ${host.cpu}, node ${host.node}, load average ${host.loadAverageAtStart} at ` +
      `start, ${loadavg()[0]!.toFixed(2)} at the end`,
  );
  markdown.push(
    `Taken ${new Date().toISOString().slice(0, 10)}: ${host.nproc} cores (${host.cpu}), node ${host.node}; ` +
      `${config.rounds} rounds, ${config.warmupSeconds} s warm-up + ${config.durationSeconds} s each, ` +
      `${config.connections} connections; load average ${host.loadAverageAtStart} at the start.`,
    '',
  );
  if (http) {
    const table = httpTable(http.variants, http.ratios);
    console.log(table.join('\n'));
    markdown.push(...table, '');
  }
  if (redisNote) {
    console.log(redisNote);
    markdown.push(redisNote, '');
  }
  if (normalize) printNormalizeResults(normalize);
  if (store) printStoreResults(store);
  if (memory) printMemoryResult(memory);
  markdown.push(...microTables(normalize, store, memory));

  const failures: string[] = [];
  const faults = (http?.variants ?? []).flatMap((variant) =>
    variant.rounds.filter((report) => report.non2xx + report.errors + report.timeouts > 0).map(() => variant.id),
  );
  if (faults.length > 0) failures.push(`non-2xx answers or errors in variants ${[...new Set(faults)].join(', ')}`);

  const targets: Array<{ target: string; value: string; met: boolean }> = [];
  const chain = http?.ratios.find((entry) => entry.name.startsWith('c/b'));
  if (chain) {
    targets.push({
      target: `full chain >= ${TARGETS.chainOverHandWritten}x hand-written Express (c/b)`,
      value: `${chain.median.toFixed(3)}x by req/s; ${chain.byCpuMedian.toFixed(3)}x by server CPU per request`,
      met: chain.median >= TARGETS.chainOverHandWritten,
    });
  }
  const inCall = normalize?.find((result) => result.expectedFormat === 'incall-v1')?.rates;
  if (inCall) {
    targets.push({
      target: `normalise + validate the in-call log >= ${formatInteger(TARGETS.inCallEventsPerSecond)} events/s`,
      value:
        `${formatInteger(inCall.perCpuSecond)} per CPU second ` +
        `(${formatInteger(inCall.perWallSecond)} per wall second on this machine)`,
      met: inCall.perCpuSecond >= TARGETS.inCallEventsPerSecond,
    });
  }
  if (memory) {
    targets.push({
      target: `default store flat after ${formatInteger(memory.calls)} calls (heap end / full <= ${TARGETS.heapGrowth})`,
      value: `${memory.growthAfterFull.toFixed(3)}x (${memory.checkpoints.at(-1)!.heapUsedMb.toFixed(1)} MB)`,
      met: memory.growthAfterFull <= TARGETS.heapGrowth,
    });
  }
  console.log('\ntargets:');
  for (const entry of targets) console.log(`  ${entry.met ? 'met   ' : 'MISSED'} ${entry.target}: ${entry.value}`);
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
        redisNote,
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
