// Micro-benchmark: normalise + validate (`normalizePayload`) per payload format, on one core; formats the library
// does not detect yet are listed as skipped. Alone: `npx tsx bench/micro/normalize.ts` (after `npm run build`).

import { envNumber, formatRates, isQuickMode, loadPackage, loadTesting, measureRates, type Rates } from '../common';

export interface NormalizeResult {
  sample: string;
  expectedFormat: string;
  detectedFormat: string | null;
  /** `null` when skipped (the library does not detect this format yet). */
  rates: Rates | null;
}

const BATCH = 1000;

async function main(): Promise<NormalizeResult[]> {
  const { detectFormat, normalizePayload } = loadPackage();
  const { AFTER_CALL_LOG, IN_CALL_LOG, V2_CALL_SUMMARY } = loadTesting();
  const quick = isQuickMode();
  const runs = envNumber('BENCH_MICRO_RUNS', quick ? 3 : 7);
  const seconds = envNumber('BENCH_MICRO_SECONDS', quick ? 0.2 : 1);
  const samples = [
    { sample: 'in-call log (seed)', expectedFormat: 'incall-v1', payload: IN_CALL_LOG },
    { sample: 'after-call log (doc)', expectedFormat: 'aftercall-v1', payload: AFTER_CALL_LOG },
    { sample: 'v2 call.summary (doc)', expectedFormat: 'v2', payload: V2_CALL_SUMMARY },
  ];
  const results: NormalizeResult[] = [];
  let sink = 0;
  for (const { sample, expectedFormat, payload: fixture } of samples) {
    // As it arrives over HTTP: a fresh object from JSON.parse (the fixtures themselves are frozen).
    const payload = JSON.parse(JSON.stringify(fixture)) as unknown;
    const detectedFormat = detectFormat(payload);
    if (detectedFormat !== expectedFormat) {
      results.push({ sample, expectedFormat, detectedFormat, rates: null });
      continue;
    }
    const receivedAt = new Date();
    const batch = (): void => {
      for (let i = 0; i < BATCH; i++) sink += normalizePayload(payload, undefined, receivedAt).users.length;
    };
    results.push({ sample, expectedFormat, detectedFormat, rates: await measureRates(batch, BATCH, runs, seconds) });
  }
  if (sink < 0) console.log(sink); // keeps the work observable
  return results;
}

export function printNormalizeResults(results: readonly NormalizeResult[]): void {
  console.log('normalise + validate (normalizePayload), one core, medians of timed runs after a warm-up:');
  for (const result of results) {
    const figure =
      result.rates === null
        ? `skipped (detectFormat gives ${JSON.stringify(result.detectedFormat)}: format not in lib yet)`
        : formatRates(result.rates, 'events');
    console.log(`  ${result.sample.padEnd(22)} ${result.expectedFormat.padEnd(13)} ${figure}`);
  }
}

if (require.main === module) {
  main().then(
    (results) => {
      if (process.send) process.send({ normalize: results }, () => process.exit(0));
      else printNormalizeResults(results);
    },
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
