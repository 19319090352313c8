// Property-based tests of the normalisers: whatever decoded payload arrives, normalizePayload() either builds a
// well-typed CallEvent or throws the documented 422 invalid_call_log, and detectFormat() never throws; neither
// changes its input or any prototype.

import fc from 'fast-check';

import { detectFormat, isMyOperatorWebhookError, normalizePayload, type NormalizeOptions } from '../../../lib';
import { deepFreeze } from '../../../lib/testing/deep-freeze';
import { payload, scalar, shallowPayload } from '../helpers/arbitraries';
import { callEventProblems } from '../helpers/call-event-checker';
import { DOCUMENTED_ERRORS, pollutedProperties } from '../helpers/contract';
import { propertyParameters, timeoutMs } from '../helpers/mode';
import { guardEveryTest } from '../helpers/process-guard';

const FORMATS = ['incall-v1', 'query', 'aftercall-v1', 'v2'];
const OPTIONS: readonly NormalizeOptions[] = [
  { defaultCountryCode: '91', timeZone: null },
  { defaultCountryCode: '1', timeZone: 'Asia/Kolkata' },
  { defaultCountryCode: '44', timeZone: 'America/New_York' },
];

/** normalizePayload's outcome: the event, or the error it threw. */
function attempt(value: unknown, options: NormalizeOptions): { event?: unknown; error?: unknown } {
  try {
    return { event: normalizePayload(value, options, new Date()) };
  } catch (error) {
    return { error };
  }
}

describe('normalizePayload() and detectFormat() (property-based)', () => {
  guardEveryTest({ prototypes: true });

  it(
    'builds a CallEvent that satisfies the type at run time, or throws 422 invalid_call_log with details',
    () => {
      fc.assert(
        fc.property(payload, fc.constantFrom(...OPTIONS), (value, options) => {
          const { event, error } = attempt(value, options);
          if (error !== undefined) {
            if (!isMyOperatorWebhookError(error)) return false;
            return (
              error.code === 'invalid_call_log' &&
              error.status === DOCUMENTED_ERRORS.invalid_call_log &&
              Array.isArray(error.details) &&
              error.details.length > 0 &&
              error.details.every((detail) => typeof detail.path === 'string' && typeof detail.message === 'string')
            );
          }
          const problems = callEventProblems(event);
          if (problems.length > 0) throw new Error(problems.join('; '));
          return true;
        }),
        propertyParameters(300),
      );
    },
    timeoutMs(30_000),
  );

  it(
    'keeps a validation error short whatever the payload (details are capped)',
    () => {
      fc.assert(
        fc.property(payload, (value) => {
          const { error } = attempt(value, OPTIONS[0] as NormalizeOptions);
          if (!isMyOperatorWebhookError(error)) return true;
          return (error.details ?? []).length <= 20 && JSON.stringify(error.details).length < 20_000;
        }),
        propertyParameters(200),
      );
    },
    timeoutMs(30_000),
  );

  it(
    'never changes the payload it reads (frozen inputs are accepted as they are)',
    () => {
      fc.assert(
        fc.property(shallowPayload, (value) => {
          // A copy: fast-check may hand the same generated instance to later runs, which must stay writable.
          const frozen = deepFreeze(structuredClone(value));
          const before = JSON.stringify(frozen);
          const { event, error } = attempt(frozen, OPTIONS[0] as NormalizeOptions);
          return (event !== undefined || isMyOperatorWebhookError(error)) && JSON.stringify(frozen) === before;
        }),
        propertyParameters(200),
      );
    },
    timeoutMs(30_000),
  );

  it(
    'detectFormat() never throws, returns a known format or null, and agrees with normalizePayload()',
    () => {
      fc.assert(
        fc.property(fc.oneof(payload, scalar), (value) => {
          const format = detectFormat(value);
          if (format !== null && !FORMATS.includes(format)) return false;
          const { event, error } = attempt(value, OPTIONS[0] as NormalizeOptions);
          if (format === null) return isMyOperatorWebhookError(error) && error.code === 'invalid_call_log';
          return event === undefined || (event as { format: string }).format === format;
        }),
        propertyParameters(300),
      );
    },
    timeoutMs(30_000),
  );

  it('reads a payload whose own keys are __proto__, constructor and prototype without touching any prototype', () => {
    const hostile = JSON.parse(
      '{"uid":"n2.1.1","call_state":"6","__proto__":{"polluted":true,"uid":"x"},"constructor":{"prototype":{"polluted":true}},"prototype":{"polluted":true}}',
    ) as unknown;
    const event = normalizePayload(hostile);
    expect([event.uid, event.name, callEventProblems(event), pollutedProperties()]).toEqual([
      'n2.1.1',
      'user_answered',
      [],
      [],
    ]);
  });
});
