// The package's JSON schemas as validators, made once. The build compiles them ahead of time into plain
// JavaScript (`compiled.js` beside this file in dist/, with ajv's standalone code), so the built package never
// generates code at run time: runtimes that forbid it (Cloudflare Workers, `--disallow-code-generation-from-
// strings`) validate as Node does. From source (the specs), they are compiled here with the same options.

import type { ErrorObject, Options, ValidateFunction } from 'ajv';

import type { ValidationDetail } from '../core/errors';

/** The options of every schema compilation, at build time and at run time alike. */
export const AJV_OPTIONS = {
  allErrors: true,
  strict: true,
  strictTypes: false,
  allowUnionTypes: true,
} as const satisfies Options;

/** A schema of the package: its `$id` names its precompiled validator. */
export interface PackageSchema {
  readonly $id: string;
}

type Validators = Readonly<Record<string, ValidateFunction | undefined>>;

let precompiled: Validators | null | undefined;

/** The validators the build compiled ahead of time; `null` when running from source. */
function precompiledValidators(): Validators | null {
  if (precompiled === undefined) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- present in dist/ only, written by the build
      precompiled = require('./compiled') as Validators;
    } catch {
      precompiled = null;
    }
  }
  return precompiled;
}

let compiler: import('ajv').default | undefined;

/** Its validator, once: the precompiled one when the build made it, else compiled now. */
export function compileSchema<T>(schema: PackageSchema): ValidateFunction<T> {
  const ready = precompiledValidators()?.[schema.$id];
  if (ready !== undefined) return ready as ValidateFunction<T>;
  if (compiler === undefined) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- only from source: the build precompiles
    const Ajv = (require('ajv') as typeof import('ajv')).default;
    compiler = new Ajv(AJV_OPTIONS);
  }
  return compiler.compile<T>(schema);
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
