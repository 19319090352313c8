// Short mode (the default, run by `npm test`) and long mode (`RELIABILITY_LONG=1`): one switch scales every
// property-run count, load size and time budget of the reliability specs.

/** Whether the long mode is on (`RELIABILITY_LONG=1`). */
export const LONG_MODE = process.env.RELIABILITY_LONG === '1';

/** A count for the current mode: `short` by default, `short * factor` in long mode. */
export function scaled(short: number, factor = 20): number {
  return LONG_MODE ? short * factor : short;
}

/** A jest timeout for the current mode. */
export function timeoutMs(shortMs: number, factor = 20): number {
  return LONG_MODE ? shortMs * factor : shortMs;
}

/** A failing run's seed (`PROPERTY_SEED=1917372877`, as fast-check prints it) to replay that run exactly. */
const SEED = process.env.PROPERTY_SEED === undefined ? undefined : Number(process.env.PROPERTY_SEED);

/** fast-check parameters: a bounded number of runs, and a wall-clock cap so no property runs away. */
export function propertyParameters(
  numRuns: number,
  factor = 20,
): { numRuns: number; interruptAfterTimeLimit: number; markInterruptAsFailure: boolean; seed?: number } {
  const runs = scaled(numRuns, factor);
  const parameters = {
    numRuns: runs,
    interruptAfterTimeLimit: timeoutMs(20_000, factor),
    markInterruptAsFailure: false,
  };
  return SEED === undefined ? parameters : { ...parameters, seed: SEED };
}
