// What the benchmark processes share: the built package, the IPC messages between the runner and its children,
// and the statistics.

import type { ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { createServer, type Server } from 'node:net';
import { join, resolve as resolvePath } from 'node:path';

import type * as Package from '../lib/index';
import type * as Testing from '../lib/testing/index';

const requireHere = createRequire(__filename);

/** The built package's directory that BENCH_DIST names (the runner sets it to its snapshot of dist/), if any. */
function distDirectory(): string | undefined {
  const dist = process.env.BENCH_DIST;
  return dist === undefined || dist === '' ? undefined : resolvePath(dist);
}

/**
 * `myoperator-webhooks` as users load it: by name (dist/, after `npm run build`), or from the build in BENCH_DIST
 * (a `dist` directory: the runner's snapshot, or another build to compare with).
 */
export function loadPackage(): typeof Package {
  const dist = distDirectory();
  return requireHere(dist ? join(dist, 'cjs/index.js') : 'myoperator-webhooks') as typeof Package;
}

/** `myoperator-webhooks/testing`, from the same build as `loadPackage()`. */
export function loadTesting(): typeof Testing {
  const dist = distDirectory();
  return requireHere(dist ? join(dist, 'cjs/testing/index.js') : 'myoperator-webhooks/testing') as typeof Testing;
}

/**
 * A function exported by the built package that this checkout's types may not know yet (the node and fetch
 * handlers), or `undefined`; the caller states its type.
 */
export function packageExport(name: string): unknown {
  const value = (loadPackage() as unknown as Record<string, unknown>)[name];
  return typeof value === 'function' ? value : undefined;
}

/** Where every variant answers. */
export const WEBHOOK_PATH = '/myoperator/incall';
/** The secret header, as typed in MyOperator's panel; every variant checks it. */
export const AUTH_HEADER_LINE = 'my-super-secret-token: abc123def';
export const AUTH_HEADER_NAME = 'my-super-secret-token';
export const AUTH_HEADER_VALUE = 'abc123def';
/** The most a benchmark server (floor, fetch bridge) reads of a body before it answers 413. */
export const BODY_LIMIT_BYTES = 100 * 1024;

/** Load process -> runner, after each burst. */
export interface LoadReport {
  requestsPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  requests: number;
  /** Requests built as redeliveries (a body sent before, again); the last few built may not have been sent. */
  redeliveries: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  durationSeconds: number;
  /** CPU time the load process used during the burst, in microseconds (is the load generator the limit?). */
  loadCpuMicros: number;
}

/** Server process -> runner, once it listens. */
export interface ServerReady {
  port: number;
  /** What the server runs, when it says (e.g. `express 4.22.3`): printed by the runner. */
  about?: string;
}

/** Runner -> server: "how much CPU have you used?"; the server answers with a CpuUsage. */
export const CPU_QUERY = 'cpu-usage';

/** Server -> runner: user + system CPU time of the server process so far (all its threads), in microseconds. */
export interface CpuUsage {
  cpuMicros: number;
}

/** Runner -> server: start the V8 CPU profiler (sampling every `intervalMicros`). */
export interface ProfileStart {
  profileStart: { intervalMicros: number };
}

/** Runner -> server: stop the profiler and write the profile to `file`; the server answers with ProfileWritten. */
export interface ProfileStop {
  profileStop: { file: string };
}

/** Server -> runner: the profile is written. */
export interface ProfileWritten {
  profileWritten: string;
}

export function isObject(message: unknown): message is Record<string, unknown> {
  return typeof message === 'object' && message !== null;
}

export function isServerReady(message: unknown): message is ServerReady {
  return isObject(message) && typeof message.port === 'number';
}

export function isCpuUsage(message: unknown): message is CpuUsage {
  return isObject(message) && typeof message.cpuMicros === 'number';
}

export function isLoadReport(message: unknown): message is LoadReport {
  return isObject(message) && typeof message.requestsPerSecond === 'number';
}

export function isProfileStart(message: unknown): message is ProfileStart {
  return isObject(message) && isObject(message.profileStart);
}

export function isProfileStop(message: unknown): message is ProfileStop {
  return isObject(message) && isObject(message.profileStop);
}

export function isProfileWritten(message: unknown): message is ProfileWritten {
  return isObject(message) && typeof message.profileWritten === 'string';
}

/** Tells the runner the server listens (children are started with an IPC channel). */
export function announceListening(server: { address(): unknown }, about?: string): void {
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('the server has no TCP address');
  const ready: ServerReady = { port: (address as { port: number }).port, ...(about ? { about } : {}) };
  if (process.send) process.send(ready);
  else console.log(`listening on http://127.0.0.1:${ready.port}${WEBHOOK_PATH}`);
}

/** A TCP port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server: Server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => {
        resolve(port);
      });
    });
  });
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** The median of some values and their spread (smallest, largest). */
export interface Spread {
  median: number;
  min: number;
  max: number;
}

export function spread(values: readonly number[]): Spread {
  return {
    median: median(values),
    min: values.length === 0 ? Number.NaN : Math.min(...values),
    max: values.length === 0 ? Number.NaN : Math.max(...values),
  };
}

/** Reads a positive number from the environment. */
export function envNumber(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got "${text}"`);
  return value;
}

export function isQuickMode(): boolean {
  return process.env.BENCH_QUICK === '1';
}

export function formatInteger(value: number): string {
  return Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : 'n/a';
}

/** Operations per second of one micro-benchmark, by the wall clock and by the CPU time the process used. */
export interface Rates {
  /** Median of the runs, operations per wall-clock second (lowered by a busy machine taking the core away). */
  perWallSecond: number;
  /**
   * Median of the runs, operations per CPU second of the process (robust on a shared machine; a little low, as
   * the GC's helper threads count too).
   */
  perCpuSecond: number;
  wallRuns: number[];
  cpuRuns: number[];
}

function cpuSeconds(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}

/**
 * Runs `batch` (which does `batchSize` operations) for about `seconds` and returns the rates. Bounded in time and
 * in count (`maxBatches`).
 */
async function measureOnce(
  batch: () => void | Promise<void>,
  batchSize: number,
  seconds: number,
  maxBatches: number,
): Promise<{ wall: number; cpu: number }> {
  const budgetNs = BigInt(Math.round(seconds * 1e9));
  const cpuStart = cpuSeconds();
  const start = process.hrtime.bigint();
  let batches = 0;
  let elapsed = 0n;
  while (batches < maxBatches && elapsed < budgetNs) {
    await batch();
    batches++;
    elapsed = process.hrtime.bigint() - start;
  }
  const operations = batches * batchSize;
  return { wall: operations / (Number(elapsed) / 1e9), cpu: operations / (cpuSeconds() - cpuStart) };
}

/** A warm-up run (for the JIT), then `runs` timed runs of about `seconds` each; medians of both rates. */
export async function measureRates(
  batch: () => void | Promise<void>,
  batchSize: number,
  runs: number,
  seconds: number,
  maxBatches = 1_000_000,
): Promise<Rates> {
  await measureOnce(batch, batchSize, seconds, maxBatches);
  const wallRuns: number[] = [];
  const cpuRuns: number[] = [];
  for (let run = 0; run < runs; run++) {
    const { wall, cpu } = await measureOnce(batch, batchSize, seconds, maxBatches);
    wallRuns.push(wall);
    cpuRuns.push(cpu);
  }
  return { perWallSecond: median(wallRuns), perCpuSecond: median(cpuRuns), wallRuns, cpuRuns };
}

/** `123,456/s (CPU) | 98,765/s (wall)` */
export function formatRates(rates: Rates, unit: string): string {
  return (
    `${formatInteger(rates.perCpuSecond)} ${unit}/CPU-s, ${formatInteger(rates.perWallSecond)} ${unit}/wall-s ` +
    `(wall runs: ${rates.wallRuns.map(formatInteger).join(', ')})`
  );
}

/** Waits for the first message that passes `guard`, or fails after `timeoutMs` or when the child exits. */
export function waitForMessage<T>(
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
