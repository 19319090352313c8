// One ajv instance for every schema of the package. Schemas are compiled once, when their module loads.

import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';

import type { ValidationDetail } from '../core/errors';

const ajv = new Ajv({ allErrors: true, strict: true, strictTypes: false, allowUnionTypes: true });

/** Compiles a JSON schema once; the returned function is what the hot path calls. */
export function compileSchema<T>(schema: object): ValidateFunction<T> {
  return ajv.compile<T>(schema);
}

/** The most `details` an error carries: a 100 kB body of bad list items would otherwise answer megabytes. */
export const MAX_VALIDATION_DETAILS = 20;

/** ajv's errors as the `details` of an `invalid_call_log` response: JSON pointer and message (the first few). */
export function toValidationDetails(errors: ErrorObject[] | null | undefined): ValidationDetail[] {
  return (errors ?? []).slice(0, MAX_VALIDATION_DETAILS).map((error) => {
    const missing = error.keyword === 'required' ? `/${String(error.params.missingProperty)}` : '';
    return { path: `${error.instancePath}${missing}`, message: error.message ?? 'is invalid' };
  });
}
