// The built package validates with schemas compiled ahead of time (dist/cjs/schemas/compiled.js, ajv's standalone
// code): it must accept and refuse exactly what the schemas compiled at run time from source do, with the same
// details, on every fixture and on broken variants of each.

import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

import { normalizePayload as fromSource } from '../../lib';
import {
  AFTER_CALL_LOG,
  IN_CALL_LOG,
  V2_CALL_END,
  V2_CALL_SUMMARY,
  V2_CALL_SUMMARY_HUNT,
  V2_DISPOSITION,
} from '../../lib/testing';

const DIST = join(__dirname, '..', '..', 'dist', 'cjs');
const load = createRequire(__filename);

function outcome(normalize: (payload: unknown) => unknown, payload: unknown): unknown {
  try {
    normalize(payload);
    return 'valid';
  } catch (error) {
    return (error as { code?: unknown; details?: unknown }).details ?? (error as { code?: unknown }).code;
  }
}

describe('the schemas compiled by the build', () => {
  it('exist in the build, and the built package uses them', () => {
    expect(existsSync(join(DIST, 'schemas', 'compiled.js'))).toBe(true);
    const compiled = load(join(DIST, 'schemas', 'compiled.js')) as Record<string, unknown>;
    expect(Object.keys(compiled).sort()).toEqual(['myoperator-aftercall-v1', 'myoperator-incall-v1', 'myoperator-v2']);
  });

  const fixtures: Array<[string, Record<string, unknown>]> = [
    ['in-call', IN_CALL_LOG],
    ['after-call', AFTER_CALL_LOG],
    ['v2 summary', V2_CALL_SUMMARY],
    ['v2 hunt summary', V2_CALL_SUMMARY_HUNT],
    ['v2 end', V2_CALL_END],
    ['v2 disposition', V2_DISPOSITION],
  ];
  const broken = (payload: Record<string, unknown>): Array<Record<string, unknown>> =>
    Object.keys(payload).flatMap((key) => [
      { ...payload, [key]: { nested: [1, 2] } },
      { ...payload, [key]: [{ a: 1 }] },
      { ...payload, [key]: true },
    ]);

  it.each(fixtures)(
    'agree with the run-time compilation on the %s fixture and every broken variant of it',
    (_label, fixture) => {
      const built = (load(join(DIST, 'index.js')) as typeof import('../../lib')).normalizePayload;
      const payloads = [fixture, ...broken(fixture)];
      const mismatches = payloads.filter(
        (payload) => JSON.stringify(outcome(built, payload)) !== JSON.stringify(outcome(fromSource, payload)),
      );
      expect(mismatches).toEqual([]);
      // The variants exercise both sides: some are refused.
      expect(payloads.some((payload) => outcome(built, payload) !== 'valid')).toBe(true);
    },
  );
});
