// A full garbage collection on demand (V8's `gc`, exposed at run time), and heap measurement after it.

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Runs full collections until the heap settles (bounded: at most 6 rounds), and returns `heapUsed`. */
export async function settledHeapUsed(): Promise<number> {
  let last = Number.POSITIVE_INFINITY;
  let used = 0;
  for (let round = 0; round < 6; round++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
    used = process.memoryUsage().heapUsed;
    if (Math.abs(last - used) < 64 * 1024) break;
    last = used;
  }
  return used;
}

/** How many of the objects behind the WeakRefs have been collected, after full collections (at most 10). */
export async function countCollected(refs: ReadonlyArray<WeakRef<object>>): Promise<number> {
  let collected = 0;
  for (let round = 0; round < 10; round++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 5));
    collected = refs.filter((ref) => ref.deref() === undefined).length;
    if (collected === refs.length) break;
  }
  return collected;
}
