// Checks of factory options, run once when a factory is called: every mistake is a TypeError that names the
// factory and the option, and the caller's object is only read, never changed.

const PREFIX = '[myoperator-webhooks]';

/**
 * The option names of an options type, checked by the compiler to be all of them and nothing else, so a factory's
 * list of known keys cannot drift from its options interface.
 * @example const KEYS = optionKeys<AuthenticateOptions>()(['headers', 'basic', 'query', 'realm']);
 */
export function optionKeys<T>() {
  return <const K extends readonly (keyof T & string)[]>(
    keys: K & ([Exclude<keyof T, K[number]>] extends [never] ? unknown : { missing: Exclude<keyof T, K[number]> }),
  ): K => keys;
}

/** A TypeError whose message starts with `[myoperator-webhooks] <factory>:`. */
export function optionError(factory: string, message: string): TypeError {
  return new TypeError(`${PREFIX} ${factory}: ${message}`);
}

/**
 * Checks that `options` is an object (or absent) whose keys are all known; returns it as a plain record.
 * Keys whose value is `undefined` count as absent.
 */
export function readOptions(
  factory: string,
  options: unknown,
  knownKeys: readonly string[],
): Readonly<Record<string, unknown>> {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw optionError(factory, `options must be an object, got ${describe(options)}`);
  }
  const record = options as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!knownKeys.includes(key) && record[key] !== undefined) {
      throw optionError(factory, `unknown option "${key}" (known options: ${knownKeys.join(', ')})`);
    }
  }
  return record;
}

/** A short description of a value's type for error messages (never the value: it may be a secret). */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** An optional non-empty string option. */
export function stringOption(factory: string, name: string, value: unknown, fallback: string): string {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || value === '') {
    throw optionError(factory, `"${name}" must be a non-empty string, got ${describe(value)}`);
  }
  return value;
}

/** An optional option that must be one of a few strings. */
export function enumOption<T extends string>(
  factory: string,
  name: string,
  value: unknown,
  allowed: readonly T[],
  fallback: T,
): T {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw optionError(factory, `"${name}" must be one of ${allowed.map((a) => `'${a}'`).join(', ')}`);
  }
  return value as T;
}

/** An optional non-negative integer option. */
export function integerOption(factory: string, name: string, value: unknown, fallback: number, min = 0): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw optionError(factory, `"${name}" must be an integer >= ${min}, got ${describe(value)}`);
  }
  return value;
}
