// The default store keeps memory bounded whatever the traffic: hundreds of thousands of distinct calls through a
// plain `new CallEvents()` leave the heap where it was once the store filled up, and its worst cases (calls of 64
// events, a flood of events under one uid, Webhook v2 calls whose claims cannot share a suffix) stay under the
// figures docs/store.md gives. Each is measured in its own process with --expose-gc (fixtures/heap-probe.ts).

import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const ROOT = resolve(__dirname, '../..');
const PROBE = join(__dirname, 'fixtures/heap-probe.ts');
const MB = 1024 * 1024;

/** How much the heap may move once the store is full: GC noise only (an unbounded store grows by ~1 KB a call). */
const MAX_GROWTH_BYTES = 4 * MB;

interface ProbeResult {
  baseline: number;
  heap: Record<string, number>;
  size: { claims: number; sessions: number };
  usage: { calls: number; events: number };
}

async function probe(env: Record<string, string>): Promise<ProbeResult> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', '--import', 'tsx', PROBE], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    maxBuffer: MB,
  });
  return JSON.parse(stdout) as ProbeResult;
}

/** The store's own weight at a checkpoint: the heap then, less the heap before any call. */
const storeBytes = (result: ProbeResult, checkpoint: string): number => result.heap[checkpoint]! - result.baseline;

describe('the default MemoryStore', () => {
  it('keeps the heap flat once full: 400k calls of two events weigh what 100k did', async () => {
    const result = await probe({ SCENARIO: 'two', CHECKPOINTS: '100000,400000' });
    expect(result.usage).toEqual({ calls: 50_000, events: 100_000 });
    expect(result.size).toEqual({ claims: 100_000, sessions: 50_000 });
    expect(Math.abs(result.heap['400000']! - result.heap['100000']!)).toBeLessThan(MAX_GROWTH_BYTES);
  }, 180_000);

  it('holds calls of 64 events in under 60 MB (measured: 42 MB), where it held 626 MB before', async () => {
    // 250000 events: 3906 calls of 64. Bounded in calls only, 10000 such calls weighed ~130 MB.
    const result = await probe({ SCENARIO: 'worst', CHECKPOINTS: '5000,10000' });
    expect(result.usage).toEqual({ calls: 3906, events: 3906 * 64 });
    expect(storeBytes(result, '10000')).toBeLessThan(60 * MB);
    expect(Math.abs(result.heap['10000']! - result.heap['5000']!)).toBeLessThan(MAX_GROWTH_BYTES);
  }, 180_000);

  it('holds 50000 typical calls in under 90 MB (measured: 70 MB), and a flood under one uid in no more', async () => {
    // Filled with calls of five events, then 300000 distinct events under one uid: the flood evicts the other
    // calls, then itself, as it passes maxEvents.
    const result = await probe({ SCENARIO: 'flood', FLOOD_FILL: '50000', CHECKPOINTS: '150000,300000' });
    expect(storeBytes(result, 'filled')).toBeLessThan(90 * MB);
    expect(storeBytes(result, '150000')).toBeLessThan(90 * MB);
    expect(storeBytes(result, '300000')).toBeLessThan(90 * MB);
    expect(result.usage.events).toBeLessThanOrEqual(250_000);
    expect(result.size.claims).toBeLessThanOrEqual(250_000);
  }, 180_000);

  it('holds 50000 Webhook v2 calls of five events in under 120 MB (measured: 95 MB)', async () => {
    // Measured once the store turned over (the index's table has grown to its steady size by 70000 calls).
    const result = await probe({ SCENARIO: 'v2', CHECKPOINTS: '80000' });
    expect(result.usage).toEqual({ calls: 50_000, events: 250_000 });
    expect(storeBytes(result, '80000')).toBeLessThan(120 * MB);
  }, 180_000);
});
