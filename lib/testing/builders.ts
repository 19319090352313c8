// The payload and request builders of myoperator-webhooks/testing: copies of MyOperator's samples with fields
// replaced, the requests MyOperator sends for them, and a sender.

import type { CallEvent } from '../core/call-event';
import { normalizePayload } from '../normalize';
import { DEFAULT_NORMALIZE_OPTIONS, type NormalizeOptions } from '../normalize/options';
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

export interface WebhookRequestOptions {
  /** @default 'POST' */
  method?: 'POST' | 'GET';
  /** @default 'form' */
  encoding?: WebhookBodyEncoding;
  /** @default 'myoperator' */
  field?: string;
  /** The path (and query) the request goes to. @default '/' */
  path?: string;
  /** Secret headers, as the panel's `"Name: value"` lines or a map. */
  headers?: readonly string[] | Readonly<Record<string, string>>;
  /** Basic auth credentials. */
  basic?: { username: string; password: string };
  /** Query parameters to add (URL-encoded). */
  query?: Readonly<Record<string, string | number>>;
}

/** A request as MyOperator would send it: use it with supertest, fetch, or anything else. */
export interface WebhookRequest {
  method: 'POST' | 'GET';
  /** Path with the query string. */
  path: string;
  headers: Record<string, string>;
  /** The body, `undefined` for GET. */
  body: string | undefined;
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

/**
 * Builds the request MyOperator sends for a payload.
 * @example
 * const { method, path, headers, body } = buildWebhookRequest(buildInCallLog({ call_state: '6' }), {
 *   headers: ['my-super-secret-token: abc123def'],
 * });
 * await request(app).post('/myoperator/incall').set(headers).send(body).expect(200);
 */
export function buildWebhookRequest(payload: unknown, options: Readonly<WebhookRequestOptions> = {}): WebhookRequest {
  const method = options.method ?? 'POST';
  const headers: Record<string, string> = {};
  const lines = options.headers ?? [];
  if (Array.isArray(lines)) {
    for (const line of lines as readonly string[]) {
      const colon = line.indexOf(':');
      if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
  } else {
    for (const [name, value] of Object.entries(lines)) headers[name.toLowerCase()] = value;
  }
  if (options.basic) {
    const token = Buffer.from(`${options.basic.username}:${options.basic.password}`).toString('base64');
    headers.authorization = `Basic ${token}`;
  }
  let path = options.path ?? '/';
  if (options.query && Object.keys(options.query).length > 0) {
    const search = Object.entries(options.query)
      .map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(String(value))}`)
      .join('&');
    path += `${path.includes('?') ? '&' : '?'}${search}`;
  }
  let body: string | undefined;
  if (method === 'POST') {
    const [contentType, encoded] = encodeBody(payload, options.encoding ?? 'form', options.field ?? 'myoperator');
    headers['content-type'] = contentType;
    body = encoded;
  }
  return { method, path, headers, body };
}

/** The value MyOperator puts in the query string for a panel field, from a normalised event. */
function queryValue(event: CallEvent, field: string): string | null {
  switch (field) {
    case 'callerNumber':
      return event.caller?.e164 ?? event.caller?.raw ?? null;
    case 'callerNumberRaw':
      return event.caller?.national ?? event.caller?.raw ?? null;
    case 'createdAt': {
      const time = event.createdAt ?? event.startedAt ?? event.callTime;
      return time ? String(Math.floor(time.getTime() / 1000)) : null;
    }
    case 'direction':
      return event.direction === null ? null : event.direction === 'incoming' ? 'Incoming' : 'Outgoing';
    case 'status':
      return event.status === null ? null : event.status.charAt(0).toUpperCase() + event.status.slice(1);
    case 'callState':
      return event.callState === null ? null : String(event.callState);
    case 'userPhoneNumber':
      return event.userPhoneNumber ?? event.agents[0]?.phone?.national ?? event.users[0]?.slice(-10) ?? null;
    default: {
      const value = (event as unknown as Record<string, unknown>)[field];
      return typeof value === 'string' ? value : null;
    }
  }
}

/**
 * The query parameters MyOperator would send for a payload under a panel mapping (parameter name -> field key),
 * as GET webhooks carry them. Fields without a value are left out.
 * @example queryParamsFor(buildInCallLog(), { caller_number: 'callerNumber', state: 'callState' })
 */
export function queryParamsFor(payload: unknown, mapping: Readonly<Record<string, string>>): Record<string, string> {
  const event = buildCallEvent(payload);
  const params: Record<string, string> = {};
  for (const [name, field] of Object.entries(mapping)) {
    const value = queryValue(event, field);
    if (value !== null) params[name] = value;
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
 * Sends a payload to a running endpoint the way MyOperator would (Node's fetch).
 * @example await sendWebhook('http://127.0.0.1:3000/myoperator/incall', buildInCallLog({ call_state: '2' }));
 */
export async function sendWebhook(
  url: string,
  payload: unknown,
  options: Readonly<Omit<WebhookRequestOptions, 'path'>> = {},
): Promise<WebhookResponse> {
  const target = new URL(url);
  const request = buildWebhookRequest(payload, { ...options, path: `${target.pathname}${target.search}` });
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
