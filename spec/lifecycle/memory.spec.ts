// The default store keeps memory flat: hundreds of thousands of distinct calls through a plain `new CallEvents()`
// leave the heap where it was once the store filled up. Measured in a child process with --expose-gc.

import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const ROOT = resolve(__dirname, '../..');
const PROBE = join(__dirname, 'fixtures/heap-probe.ts');

/**
 * How much the heap may grow from 100k calls (store full: 50000 claims, 50000 sessions) to 400k calls. Measured:
 * under 0.5 MB either way, with the store itself at ~52-58 MB; an unbounded store would grow by ~1.1 KB per
 * call, ~330 MB here. The bound leaves room for GC noise only.
 */
const MAX_GROWTH_BYTES = 4 * 1024 * 1024;

interface ProbeResult {
  baseline: number;
  heap: Record<string, number>;
  size: { claims: number; sessions: number };
}

describe('MemoryStore', () => {
  describe('under hundreds of thousands of distinct calls', () => {
    it('keeps the heap flat once full: 400k calls weigh what 100k did', async () => {
      const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', '--import', 'tsx', PROBE], {
        cwd: ROOT,
        env: { ...process.env, CHECKPOINTS: '100000,400000' },
      });
      const result = JSON.parse(stdout) as ProbeResult;
      const growth = result.heap['400000']! - result.heap['100000']!;
      expect(result.size).toEqual({ claims: 50_000, sessions: 50_000 });
      expect(growth).toBeLessThan(MAX_GROWTH_BYTES);
    }, 180_000);
  });
});
