// The payload and request builders of myoperator-webhooks/testing: copies of MyOperator's samples with fields
// replaced, the requests MyOperator sends for them, and a sender.

import type { CallEvent } from '../core/call-event';
import { MyOperatorWebhookError } from '../core/errors';
import { describe, enumOption, optionError, readOptions, stringOption } from '../core/options';
import { normalizePayload } from '../normalize';
import { DEFAULT_NORMALIZE_OPTIONS, type NormalizeOptions } from '../normalize/options';
import { findQueryField, QUERY_FIELDS, type QueryFieldKey, type QueryFieldLabel } from '../normalize/query';
import { AFTER_CALL_LOG, IN_CALL_LOG, V2_CALL_SUMMARY } from './fixtures';

type Overrides = Readonly<Record<string, unknown>>;

/** A mutable deep copy of a fixture with top-level fields replaced (`undefined` removes a field). */
function withOverrides(fixture: object, overrides: Overrides): Record<string, unknown> {
  const copy = structuredClone(fixture) as Record<string, unknown>;
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) Reflect.deleteProperty(copy, key);
    else Object.defineProperty(copy, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return copy;
}

/**
 * The seed's in-call log with fields replaced.
 * @example buildInCallLog({ call_state: '6', uid: 'n2.1700000000.1' })
 */
export function buildInCallLog(overrides: Overrides = {}): Record<string, unknown> {
  return withOverrides(IN_CALL_LOG, overrides);
}

/** The documented after-call log with fields replaced. */
export function buildAfterCallLog(overrides: Overrides = {}): Record<string, unknown> {
  return withOverrides(AFTER_CALL_LOG, overrides);
}

/**
 * A Webhook v2 envelope of the given event type (built on the documented `call.summary` sample).
 * @example buildV2Event('call.answered', { session_id: 'n2.1700000000.1' })
 */
export function buildV2Event(eventType: string, overrides: Overrides = {}): Record<string, unknown> {
  return withOverrides(V2_CALL_SUMMARY, { event_type: eventType, ...overrides });
}

/** A normalised event, exactly as the middlewares would build it, for calling `calls.receive()` in tests. */
export function buildCallEvent(
  payload: unknown = IN_CALL_LOG,
  options: Partial<NormalizeOptions> = {},
  receivedAt: Date = new Date(),
): CallEvent {
  return normalizePayload(payload, { ...DEFAULT_NORMALIZE_OPTIONS, ...options }, receivedAt);
}

/**
 * How the call log travels in the body:
 * - `form`: `myoperator=<url-encoded JSON>` (a proper form body),
 * - `raw-form`: `myoperator=<JSON>` unencoded, as `curl -d` sends it,
 * - `json`: the call log as the JSON body,
 * - `json-wrapped`: `{"myoperator": {...}}`, `json-string`: `{"myoperator": "<JSON>"}`.
 */
export type WebhookBodyEncoding = 'form' | 'raw-form' | 'json' | 'json-wrapped' | 'json-string';

/** Every body encoding, in the order of {@link WebhookBodyEncoding}. */
export const WEBHOOK_BODY_ENCODINGS: readonly WebhookBodyEncoding[] = Object.freeze([
  'form',
  'raw-form',
  'json',
  'json-wrapped',
  'json-string',
]);

/**
 * The panel's query string mapping: query parameter name -> field key or panel dropdown label (any case), the
 * same object `myOperatorWebhook({ queryParams })` and `mapQueryParams()` take.
 */
export type WebhookQueryMapping = Readonly<Record<string, QueryFieldKey | QueryFieldLabel | (string & {})>>;

/** Literal query string parameters: name -> value, added as they are (URL-encoded). */
export type WebhookSearchParams = Readonly<Record<string, string | number>>;

/** The options of `sendWebhook()`: those of `buildWebhookRequest()` but `path` (the URL has it). */
export interface SendWebhookOptions {
  /** @default 'POST' */
  method?: 'POST' | 'GET';
  /** How the body carries the payload (ignored for GET). @default 'form' */
  encoding?: WebhookBodyEncoding;
  /** The form or JSON field that holds the call log. @default 'myoperator' */
  field?: string;
  /** Secret headers, as the panel's `"Name: value"` lines or a map. */
  headers?: readonly string[] | Readonly<Record<string, string>>;
  /** Basic auth credentials. */
  basic?: { username: string; password: string };
  /**
   * The panel's query string mapping, filled from the payload the way MyOperator fills it (fields the payload
   * has no value for are left out): pass the `queryParams` you gave `myOperatorWebhook()`.
   * @example { caller_number: 'callerNumber', state: 'Call state', uid: 'uid' }
   */
  queryParams?: WebhookQueryMapping;
  /**
   * Literal query string parameters, added as they are after the mapped ones.
   * @example { key: 'abc123' }
   */
  searchParams?: WebhookSearchParams;
  /** @deprecated Literal query string parameters: use `searchParams` (or `queryParams` for a panel mapping). */
  query?: WebhookSearchParams;
}

/** The options of `buildWebhookRequest()`. */
export interface WebhookRequestOptions extends SendWebhookOptions {
  /**
   * The path your app mounts the webhook at (a query string may follow): the request's `path` is this path
   * with the query parameters added, ready for `request(app).post(path)`.
   * @default '/'
   * @example '/myoperator/incall'
   */
  path?: string;
}

/** A request as MyOperator would send it: use it with supertest, fetch, or anything else. */
export interface WebhookRequest {
  method: 'POST' | 'GET';
  /** The mount path with the query string, usable as is against the app. */
  path: string;
  headers: Record<string, string>;
  /** The body, `undefined` for GET. */
  body: string | undefined;
}

const SEND_OPTION_KEYS = [
  'method',
  'encoding',
  'field',
  'headers',
  'basic',
  'queryParams',
  'searchParams',
  'query',
] as const satisfies readonly (keyof SendWebhookOptions)[];
const REQUEST_OPTION_KEYS = [...SEND_OPTION_KEYS, 'path'] as const satisfies readonly (keyof WebhookRequestOptions)[];
const METHODS = ['POST', 'GET'] as const;

type QueryFieldRow = (typeof QUERY_FIELDS)[number];

/** Checks a panel mapping and resolves its labels: [parameter, row] pairs, in the mapping's order. */
function resolvePanelMapping(
  factory: string,
  option: string,
  mapping: unknown,
): ReadonlyArray<readonly [string, QueryFieldRow]> {
  if (typeof mapping !== 'object' || mapping === null || Array.isArray(mapping)) {
    throw optionError(
      factory,
      `"${option}" must be an object of query parameter name to field, got ${describe(mapping)}`,
    );
  }
  const resolved: Array<readonly [string, QueryFieldRow]> = [];
  for (const [parameter, target] of Object.entries(mapping as Record<string, unknown>)) {
    if (target === undefined) continue;
    const row = typeof target === 'string' ? findQueryField(target) : undefined;
    if (!row) {
      throw optionError(
        factory,
        `query parameter "${parameter}" maps to an unknown field ${JSON.stringify(target)} ` +
          `(fields: ${QUERY_FIELDS.map((field) => field.key).join(', ')}, or their panel labels; ` +
          'literal values go in "searchParams")',
      );
    }
    if (parameter === '') throw optionError(factory, 'a query parameter name must not be empty');
    resolved.push([parameter, row]);
  }
  return resolved;
}

function readSearchParams(factory: string, option: string, value: unknown): Array<[string, string]> {
  if (value === undefined) return [];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw optionError(factory, `"${option}" must be an object of parameter name to value, got ${describe(value)}`);
  }
  const pairs: Array<[string, string]> = [];
  for (const [name, item] of Object.entries(value as Record<string, unknown>)) {
    if (item === undefined) continue;
    if (typeof item !== 'string' && typeof item !== 'number') {
      throw optionError(factory, `"${option}.${name}" must be a string or a number, got ${describe(item)}`);
    }
    pairs.push([name, String(item)]);
  }
  return pairs;
}

function readHeaders(factory: string, value: unknown): Record<string, string> {
  const headers: Record<string, string> = {};
  if (value === undefined) return headers;
  if (Array.isArray(value)) {
    for (const line of value as unknown[]) {
      const colon = typeof line === 'string' ? line.indexOf(':') : -1;
      if (typeof line !== 'string' || colon <= 0) {
        throw optionError(factory, '"headers" lines must look like "Name: value"');
      }
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    return headers;
  }
  if (typeof value !== 'object' || value === null) {
    throw optionError(factory, `"headers" must be "Name: value" lines or an object, got ${describe(value)}`);
  }
  for (const [name, item] of Object.entries(value as Record<string, unknown>)) {
    if (typeof item !== 'string')
      throw optionError(factory, `"headers.${name}" must be a string, got ${describe(item)}`);
    headers[name.toLowerCase()] = item;
  }
  return headers;
}

function readBasic(factory: string, value: unknown): string | null {
  if (value === undefined) return null;
  if (typeof value !== 'object' || value === null) {
    throw optionError(factory, '"basic" must be { username, password } with two strings');
  }
  const basic = value as { username?: unknown; password?: unknown };
  if (typeof basic.username !== 'string' || typeof basic.password !== 'string') {
    throw optionError(factory, '"basic" must be { username, password } with two strings');
  }
  return `Basic ${Buffer.from(`${basic.username}:${basic.password}`).toString('base64')}`;
}

function readPath(factory: string, value: unknown): string {
  const path = stringOption(factory, 'path', value, '/');
  if (!path.startsWith('/')) {
    throw optionError(
      factory,
      `"path" is the path the webhook is mounted at, such as '/myoperator/incall' (it starts with "/"; ` +
        'sendWebhook() takes a whole URL)',
    );
  }
  return path;
}

function encodeBody(payload: unknown, encoding: WebhookBodyEncoding, field: string): [string, string] {
  const json = typeof payload === 'string' ? payload : JSON.stringify(payload);
  switch (encoding) {
    case 'form':
      return ['application/x-www-form-urlencoded', `${encodeURIComponent(field)}=${encodeURIComponent(json)}`];
    case 'raw-form':
      return ['application/x-www-form-urlencoded', `${field}=${json}`];
    case 'json':
      return ['application/json', json];
    case 'json-wrapped':
      return ['application/json', `{${JSON.stringify(field)}:${json}}`];
    case 'json-string':
      return ['application/json', JSON.stringify({ [field]: json })];
  }
}

/** The query parameters a panel mapping gives for an event, in the mapping's order; fields without a value left out. */
function encodeQuery(
  event: CallEvent,
  mapping: ReadonlyArray<readonly [string, QueryFieldRow]>,
): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (const [parameter, row] of mapping) {
    const value = row.encode(event);
    if (value !== null) pairs.push([parameter, value]);
  }
  return pairs;
}

/** The event a payload stands for, for filling a panel mapping; a TypeError naming the factory when it is none. */
function eventFor(factory: string, payload: unknown): CallEvent {
  try {
    return buildCallEvent(payload);
  } catch (error) {
    const code = error instanceof MyOperatorWebhookError ? ` (${error.code})` : '';
    throw optionError(factory, `"queryParams" is filled from the payload, which is not a call log${code}`);
  }
}

/** Reads the options shared by buildWebhookRequest() and sendWebhook() and builds the request for `path`. */
function buildRequest(
  factory: string,
  payload: unknown,
  record: Readonly<Record<string, unknown>>,
  path: string,
): WebhookRequest {
  const method = enumOption(factory, 'method', record.method, METHODS, 'POST');
  const encoding = enumOption(factory, 'encoding', record.encoding, WEBHOOK_BODY_ENCODINGS, 'form');
  const field = stringOption(factory, 'field', record.field, 'myoperator');
  const headers = readHeaders(factory, record.headers);
  const authorization = readBasic(factory, record.basic);
  if (authorization !== null) headers.authorization = authorization;
  const mapping =
    record.queryParams === undefined ? [] : resolvePanelMapping(factory, 'queryParams', record.queryParams);
  const pairs = [
    ...(mapping.length > 0 ? encodeQuery(eventFor(factory, payload), mapping) : []),
    ...readSearchParams(factory, 'searchParams', record.searchParams),
    ...readSearchParams(factory, 'query', record.query),
  ];
  let fullPath = path;
  if (pairs.length > 0) {
    const search = pairs.map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`).join('&');
    fullPath += `${path.includes('?') ? (path.endsWith('?') || path.endsWith('&') ? '' : '&') : '?'}${search}`;
  }
  let body: string | undefined;
  if (method === 'POST') {
    const [contentType, encoded] = encodeBody(payload, encoding, field);
    headers['content-type'] = contentType;
    body = encoded;
  }
  return { method, path: fullPath, headers, body };
}

/**
 * Builds the request MyOperator sends for a payload, for the app that mounts the webhook at `path`. Unknown
 * options are refused with a TypeError.
 * @example
 * const built = buildWebhookRequest(buildInCallLog({ call_state: '6' }), {
 *   path: '/myoperator/incall',
 *   headers: ['my-super-secret-token: abc123def'],
 * });
 * await request(app).post(built.path).set(built.headers).send(built.body).expect(200);
 * @example
 * // a GET webhook: the panel mapping filled from the payload, as MyOperator sends it
 * const get = buildWebhookRequest(buildInCallLog({ call_state: '6' }), {
 *   method: 'GET',
 *   path: '/myoperator/incall',
 *   queryParams: { caller: 'callerNumber', state: 'callState', uid: 'uid' },
 * });
 * await request(app).get(get.path).set(get.headers).expect(200);
 */
export function buildWebhookRequest(payload: unknown, options: Readonly<WebhookRequestOptions> = {}): WebhookRequest {
  const factory = 'buildWebhookRequest()';
  const record = readOptions(factory, options, REQUEST_OPTION_KEYS);
  return buildRequest(factory, payload, record, readPath(factory, record.path));
}

/**
 * The query parameters MyOperator would send for a payload under a panel mapping (parameter name -> field key or
 * panel label), as GET webhooks carry them, in the mapping's order. Fields without a value are left out; an
 * unknown field is refused with a TypeError.
 * @example queryParamsFor(buildInCallLog(), { caller_number: 'callerNumber', state: 'Call state' })
 * // { caller_number: '+919711636496', state: '1' }
 */
export function queryParamsFor(payload: unknown, mapping: WebhookQueryMapping): Record<string, string> {
  const factory = 'queryParamsFor()';
  const resolved = resolvePanelMapping(factory, 'mapping', mapping);
  const params: Record<string, string> = {};
  const event = buildCallEvent(payload);
  for (const [name, value] of encodeQuery(event, resolved)) {
    Object.defineProperty(params, name, { value, enumerable: true, writable: true, configurable: true });
  }
  return params;
}

/** What `sendWebhook()` got back. */
export interface WebhookResponse {
  status: number;
  /** The parsed JSON body, or the text when it is not JSON. */
  body: unknown;
  headers: Headers;
}

/**
 * Sends a payload to a running endpoint the way MyOperator would (Node's fetch). Unknown options are refused
 * with a TypeError.
 * @example await sendWebhook('http://127.0.0.1:3000/myoperator/incall', buildInCallLog({ call_state: '2' }));
 */
export async function sendWebhook(
  url: string,
  payload: unknown,
  options: Readonly<SendWebhookOptions> = {},
): Promise<WebhookResponse> {
  const factory = 'sendWebhook()';
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    throw optionError(factory, `the url must be an absolute http(s) URL, got ${describe(url)}`);
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:') {
    throw optionError(factory, 'the url must be an http(s) URL');
  }
  const record = readOptions(factory, options, SEND_OPTION_KEYS);
  const request = buildRequest(factory, payload, record, `${target.pathname}${target.search}`);
  const response = await fetch(new URL(request.path, target.origin), {
    method: request.method,
    headers: request.headers,
    ...(request.body === undefined ? {} : { body: request.body }),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text) as unknown;
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, body, headers: response.headers };
}
