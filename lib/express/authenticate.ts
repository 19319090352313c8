// authenticate(): the checks MyOperator's panel can configure (custom headers, Basic auth, a static query key).
// Every configured check must pass; secrets are compared as SHA-256 digests with timingSafeEqual, so neither
// their content nor their length shows in the timing.

import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

import basicAuth from 'basic-auth';
import type { NextFunction, Request, RequestHandler, Response } from 'express';

import { MyOperatorWebhookError } from '../core/errors';
import { describe, optionError, readOptions, stringOption } from '../core/options';
import { readQuery } from '../pipeline/query-string';

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

const FACTORY = 'authenticate()';
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

type Digest = Buffer;

function digest(value: string): Digest {
  return createHash('sha256').update(value).digest();
}

/** Whether `given` equals any candidate, comparing against every candidate (no early exit). */
function matchesAny(given: string | undefined, candidates: readonly Digest[]): boolean {
  if (given === undefined) return false;
  const received = digest(given);
  let matched = false;
  for (const candidate of candidates) matched = timingSafeEqual(received, candidate) || matched;
  return matched;
}

function secretList(name: string, value: unknown, what: string): Digest[] {
  const values = Array.isArray(value) ? (value as unknown[]) : [value];
  if (values.length === 0) throw optionError(FACTORY, `${what} "${name}" needs at least one value`);
  return values.map((item) => {
    if (typeof item !== 'string' || item === '') {
      throw optionError(
        FACTORY,
        `${what} "${name}" must be a non-empty string or an array of them, got ${describe(item)}`,
      );
    }
    return digest(item);
  });
}

function readHeaders(option: unknown): Map<string, Digest[]> {
  const headers = new Map<string, Digest[]>();
  const add = (rawName: string, digests: Digest[]): void => {
    const name = rawName.trim().toLowerCase();
    if (!HEADER_NAME.test(name)) throw optionError(FACTORY, `"${rawName}" is not a valid header name`);
    headers.set(name, [...(headers.get(name) ?? []), ...digests]);
  };
  if (Array.isArray(option)) {
    for (const line of option as unknown[]) {
      if (typeof line !== 'string' || line.indexOf(':') <= 0) {
        throw optionError(FACTORY, '"headers" entries must be strings of the form "Name: value"');
      }
      const colon = line.indexOf(':');
      const name = line.slice(0, colon);
      add(name, secretList(name.trim(), line.slice(colon + 1).trim(), 'header'));
    }
  } else if (typeof option === 'object' && option !== null) {
    for (const [name, value] of Object.entries(option)) add(name, secretList(name, value, 'header'));
  } else {
    throw optionError(
      FACTORY,
      `"headers" must be an array of "Name: value" strings or an object, got ${describe(option)}`,
    );
  }
  if (headers.size === 0) throw optionError(FACTORY, '"headers" must name at least one header');
  return headers;
}

interface CredentialDigests {
  username: Digest;
  password: Digest;
}

function readBasic(option: unknown): CredentialDigests[] {
  let value = option;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value) as unknown;
    } catch {
      throw optionError(FACTORY, '"basic" as a string must be the panel\'s JSON {"username": ..., "password": ...}');
    }
  }
  const pairs = Array.isArray(value) ? (value as unknown[]) : [value];
  if (pairs.length === 0) throw optionError(FACTORY, '"basic" needs at least one credential pair');
  return pairs.map((pair) => {
    const { username, password } = (typeof pair === 'object' && pair !== null ? pair : {}) as Record<string, unknown>;
    if (typeof username !== 'string' || username === '' || username.includes(':') || typeof password !== 'string') {
      throw optionError(
        FACTORY,
        '"basic" must be { username, password } (strings; the username non-empty, without ":") or an array of them',
      );
    }
    return { username: digest(username), password: digest(password) };
  });
}

function readQueryKeys(option: unknown): Map<string, Digest[]> {
  if (typeof option !== 'object' || option === null || Array.isArray(option)) {
    throw optionError(FACTORY, `"query" must be an object of parameter name to value, got ${describe(option)}`);
  }
  const keys = new Map<string, Digest[]>();
  for (const [name, value] of Object.entries(option)) keys.set(name, secretList(name, value, 'query parameter'));
  if (keys.size === 0) throw optionError(FACTORY, '"query" must name at least one parameter');
  return keys;
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

/**
 * Rejects requests that lack a configured credential with 401 `unauthorized` (and a Basic challenge when Basic
 * auth is configured). Every configured check must pass.
 *
 * @example
 * app.all('/myoperator/incall', authenticate({ headers: ['my-super-secret-token: abc123def'] }), ...)
 */
export function authenticate(options: Readonly<AuthenticateOptions>): RequestHandler {
  const record = readOptions(FACTORY, options, ['headers', 'basic', 'query', 'realm']);
  if (record.headers === undefined && record.basic === undefined && record.query === undefined) {
    throw optionError(
      FACTORY,
      'configure at least one of "headers", "basic" or "query" (or use auth: false explicitly)',
    );
  }
  const headers = record.headers === undefined ? null : readHeaders(record.headers);
  const basic = record.basic === undefined ? null : readBasic(record.basic);
  const query = record.query === undefined ? null : readQueryKeys(record.query);
  const realm = stringOption(FACTORY, 'realm', record.realm, 'MyOperator webhook');
  if (/[^\x20-\x7e]|["\\]/.test(realm)) {
    throw optionError(FACTORY, '"realm" must be printable ASCII without quotes or backslashes');
  }
  const challenge = basic ? { 'WWW-Authenticate': `Basic realm="${realm}"` } : undefined;

  function isAuthorized(req: IncomingMessage): boolean {
    let ok = true;
    if (headers) {
      for (const [name, digests] of headers) ok = matchesAny(headerValue(req, name), digests) && ok;
    }
    if (basic) {
      const given = basicAuth.parse(headerValue(req, 'authorization') ?? '');
      let matched = false;
      if (given) {
        const username = digest(given.name);
        const password = digest(given.pass);
        for (const pair of basic) {
          // Both halves are always compared: `&&` would skip the password when the username differs.
          const same =
            Number(timingSafeEqual(username, pair.username)) & Number(timingSafeEqual(password, pair.password));
          matched = same === 1 || matched;
        }
      }
      ok = matched && ok;
    }
    if (query) {
      const params = readQuery(req);
      for (const [name, digests] of query) ok = matchesAny(params[name], digests) && ok;
    }
    return ok;
  }

  return function myOperatorAuthenticate(req: Request, res: Response, next: NextFunction): void {
    if (isAuthorized(req)) {
      next();
      return;
    }
    if (challenge) res.setHeader('WWW-Authenticate', challenge['WWW-Authenticate']);
    next(new MyOperatorWebhookError('unauthorized', challenge ? { headers: challenge } : {}));
  };
}
