// The credentials MyOperator's panel can configure (custom headers, HTTP Basic, a static query key), checked once
// when configured and compared per request in constant time. Transport-free: adapters pass a header reader, the
// query parameters and a Basic parser (basic-auth on Node, a Web-standard one for the Fetch API).

import { MyOperatorWebhookError } from '../core/errors';
import { describe, optionError, optionKeys, readOptions, stringOption } from '../core/options';
import type { QueryParams } from './query-string';

/** A Basic auth credential pair, as the panel's JSON `{"username": "admin", "password": "123456"}`. */
export interface BasicCredentials {
  username: string;
  password: string;
}

export interface AuthenticateOptions {
  /**
   * Secret headers: the panel's list of `"Name: value"` strings as typed there, or a map of header name to value
   * (an array of values accepts any of them, for rotation). Names are case-insensitive.
   * @example ['my-super-secret-token: abc123def']
   * @example { 'x-api-key': ['new-key', 'old-key'] }
   */
  headers?: readonly string[] | Readonly<Record<string, string | readonly string[]>>;
  /**
   * HTTP Basic credentials: one pair, several (rotation), or the panel's JSON string as it is.
   * @example { username: 'admin', password: '123456' }
   */
  basic?: BasicCredentials | readonly BasicCredentials[] | string;
  /**
   * A static key sent in the query string: parameter name to value (an array accepts any of them).
   * @example { key: 'my-static-key' }
   */
  query?: Readonly<Record<string, string | readonly string[]>>;
  /**
   * The realm of the Basic challenge.
   * @default 'MyOperator webhook'
   */
  realm?: string;
}

export const AUTHENTICATE_OPTION_KEYS = optionKeys<AuthenticateOptions>()(['headers', 'basic', 'query', 'realm']);

/** Reads one request header by its lower-case name (repeated headers joined with `, `). */
export type HeaderReader = (name: string) => string | null | undefined;

/** Decodes an `Authorization: Basic ...` header; `undefined` when it is not one. */
export type BasicParser = (authorization: string) => { name: string; pass: string } | undefined;

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * Whether two strings are equal, in a time that depends only on the length of `given` (what the sender sent),
 * never on the content or the length of `expected`.
 */
export function equalsInConstantTime(given: string, expected: string): boolean {
  const length = expected.length;
  let difference = given.length ^ length;
  for (let i = 0; i < given.length; i++) difference |= given.charCodeAt(i) ^ expected.charCodeAt(i % length);
  return difference === 0;
}

/** Whether `given` equals any candidate, comparing against every candidate (no early exit). */
function matchesAny(given: string | null | undefined, candidates: readonly string[]): boolean {
  const value = given ?? '';
  let matched = false;
  for (const candidate of candidates) matched = equalsInConstantTime(value, candidate) || matched;
  return given !== null && given !== undefined && matched;
}

/** The compiled checks of one `authenticate()` configuration. */
export interface Authenticator {
  /** The `WWW-Authenticate` value when Basic is configured, else `null`. */
  readonly challenge: string | null;
  /** Whether the query string is read at all (a query key is configured). */
  readonly readsQuery: boolean;
  /** Whether every configured check passes. */
  check(header: HeaderReader, query: () => Readonly<QueryParams>, parseBasic: BasicParser): boolean;
  /** The 401 `unauthorized` to answer a failed check with (its `WWW-Authenticate` header with Basic). */
  rejection(): MyOperatorWebhookError;
}

function secretList(factory: string, name: string, value: unknown, what: string): string[] {
  const values = Array.isArray(value) ? (value as unknown[]) : [value];
  if (values.length === 0) throw optionError(factory, `${what} "${name}" needs at least one value`);
  return values.map((item) => {
    if (typeof item !== 'string' || item === '') {
      throw optionError(
        factory,
        `${what} "${name}" must be a non-empty string or an array of them, got ${describe(item)}`,
      );
    }
    return item;
  });
}

function readHeaders(factory: string, option: unknown): Map<string, string[]> {
  const headers = new Map<string, string[]>();
  const add = (rawName: string, values: string[]): void => {
    const name = rawName.trim().toLowerCase();
    if (!HEADER_NAME.test(name)) throw optionError(factory, `"${rawName}" is not a valid header name`);
    headers.set(name, [...(headers.get(name) ?? []), ...values]);
  };
  if (Array.isArray(option)) {
    for (const line of option as unknown[]) {
      if (typeof line !== 'string' || line.indexOf(':') <= 0) {
        throw optionError(factory, '"headers" entries must be strings of the form "Name: value"');
      }
      const colon = line.indexOf(':');
      const name = line.slice(0, colon);
      add(name, secretList(factory, name.trim(), line.slice(colon + 1).trim(), 'header'));
    }
  } else if (typeof option === 'object' && option !== null) {
    for (const [name, value] of Object.entries(option)) add(name, secretList(factory, name, value, 'header'));
  } else {
    throw optionError(
      factory,
      `"headers" must be an array of "Name: value" strings or an object, got ${describe(option)}`,
    );
  }
  if (headers.size === 0) throw optionError(factory, '"headers" must name at least one header');
  return headers;
}

function readBasic(factory: string, option: unknown): BasicCredentials[] {
  let value = option;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value) as unknown;
    } catch {
      throw optionError(factory, '"basic" as a string must be the panel\'s JSON {"username": ..., "password": ...}');
    }
  }
  const pairs = Array.isArray(value) ? (value as unknown[]) : [value];
  if (pairs.length === 0) throw optionError(factory, '"basic" needs at least one credential pair');
  return pairs.map((pair) => {
    const { username, password } = (typeof pair === 'object' && pair !== null ? pair : {}) as Record<string, unknown>;
    if (typeof username !== 'string' || username === '' || username.includes(':') || typeof password !== 'string') {
      throw optionError(
        factory,
        '"basic" must be { username, password } (strings; the username non-empty, without ":") or an array of them',
      );
    }
    return { username, password };
  });
}

function readQueryKeys(factory: string, option: unknown): Map<string, string[]> {
  if (typeof option !== 'object' || option === null || Array.isArray(option)) {
    throw optionError(factory, `"query" must be an object of parameter name to value, got ${describe(option)}`);
  }
  const keys = new Map<string, string[]>();
  for (const [name, value] of Object.entries(option))
    keys.set(name, secretList(factory, name, value, 'query parameter'));
  if (keys.size === 0) throw optionError(factory, '"query" must name at least one parameter');
  return keys;
}

/** Checks an `authenticate()` configuration once and compiles it. */
export function compileAuthenticator(factory: string, options: unknown): Authenticator {
  const record = readOptions(factory, options, AUTHENTICATE_OPTION_KEYS);
  if (record.headers === undefined && record.basic === undefined && record.query === undefined) {
    throw optionError(
      factory,
      'configure at least one of "headers", "basic" or "query" (or use auth: false explicitly)',
    );
  }
  const headers = record.headers === undefined ? null : [...readHeaders(factory, record.headers)];
  const basic = record.basic === undefined ? null : readBasic(factory, record.basic);
  const query = record.query === undefined ? null : [...readQueryKeys(factory, record.query)];
  const realm = stringOption(factory, 'realm', record.realm, 'MyOperator webhook');
  if (/[^\x20-\x7e]|["\\]/.test(realm)) {
    throw optionError(factory, '"realm" must be printable ASCII without quotes or backslashes');
  }

  const challenge = basic ? `Basic realm="${realm}"` : null;
  const failure = challenge === null ? {} : { headers: { 'WWW-Authenticate': challenge } };
  return {
    challenge,
    readsQuery: query !== null,
    rejection: () => new MyOperatorWebhookError('unauthorized', failure),
    check(header, readQuery, parseBasic): boolean {
      let ok = true;
      if (headers) for (const [name, values] of headers) ok = matchesAny(header(name), values) && ok;
      if (basic) {
        const authorization = header('authorization');
        const given = authorization ? parseBasic(authorization) : undefined;
        const name = given?.name ?? '';
        const pass = given?.pass ?? '';
        let matched = false;
        for (const pair of basic) {
          // Both halves are always compared: `&&` would skip the password when the username differs.
          const same =
            Number(equalsInConstantTime(name, pair.username)) & Number(equalsInConstantTime(pass, pair.password));
          matched = same === 1 || matched;
        }
        ok = given !== undefined && matched && ok;
      }
      if (query) {
        const params = readQuery();
        for (const [name, values] of query) ok = matchesAny(params[name], values) && ok;
      }
      return ok;
    },
  };
}
