// Where and how the CLI sends webhooks (--url, --method, --header, --basic, --query, --timeout), checked once,
// and the one function that delivers a payload there with the package's own request builders.

import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

import type { ValidationDetail } from '../core/errors';
import { DEFAULT_NORMALIZE_OPTIONS } from '../normalize/options';
import {
  findQueryField,
  normalizeQuery,
  QUERY_FIELDS,
  type QueryFieldKey,
  type ResolvedQueryMapping,
} from '../normalize/query';
import { buildWebhookRequest, queryParamsFor, type WebhookBodyEncoding } from '../testing';
import { integerValue, UsageError, type OptionSpec, type ParsedArgs } from './args';

/** The endpoint and the credentials, as MyOperator's panel would be configured. */
export interface Target {
  url: URL;
  method: 'POST' | 'GET';
  /** `"Name: value"` lines, as typed in the panel. */
  headers: string[];
  basic: { username: string; password: string } | undefined;
  /** The panel's query string parameters: parameter name -> call-event field. */
  query: Record<string, QueryFieldKey>;
  /** The same mapping in the panel's field order, as a receiver resolves it. */
  mapping: ResolvedQueryMapping;
  timeoutMs: number;
}

/** The options every sending command takes. */
export const TARGET_OPTIONS: readonly OptionSpec[] = [
  { name: 'url', kind: 'value', placeholder: '<url>', description: 'the webhook URL (required)' },
  {
    name: 'method',
    kind: 'value',
    placeholder: 'POST|GET',
    description: 'POST: the call log in the body; GET: only the --query parameters',
    default: 'POST',
  },
  {
    name: 'header',
    kind: 'list',
    placeholder: '"Name: value"',
    description: 'a custom header, as typed in the panel (repeatable)',
  },
  { name: 'basic', kind: 'value', placeholder: 'user:pass', description: 'HTTP Basic credentials' },
  {
    name: 'query',
    kind: 'list',
    placeholder: 'name=field',
    description: 'a panel query parameter: caller=callerNumber, state="Call state" (repeatable)',
  },
  {
    name: 'timeout',
    kind: 'value',
    placeholder: '<ms>',
    description: 'give up on an answer after this long',
    default: '10000',
  },
];

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Reads and checks the target options. */
export function readTarget(command: string, args: ParsedArgs): Target {
  const urlText = args.values.get('url');
  if (urlText === undefined) throw new UsageError('--url is required (the webhook URL)', command);
  let url: URL;
  try {
    url = new URL(urlText);
  } catch {
    throw new UsageError(`--url must be an absolute http(s) URL, got "${urlText}"`, command);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`--url must be an http(s) URL, got "${urlText}"`, command);
  }

  const methodText = (args.values.get('method') ?? 'POST').trim().toUpperCase();
  if (methodText !== 'POST' && methodText !== 'GET') {
    throw new UsageError(`--method must be POST or GET, got "${args.values.get('method') ?? ''}"`, command);
  }

  const headers = args.lists.get('header') ?? [];
  for (const line of headers) {
    const colon = line.indexOf(':');
    if (colon <= 0 || !HEADER_NAME.test(line.slice(0, colon).trim())) {
      throw new UsageError(`--header must look like "Name: value", got "${line}"`, command);
    }
  }

  let basic: Target['basic'];
  const basicText = args.values.get('basic');
  if (basicText !== undefined) {
    const colon = basicText.indexOf(':');
    if (colon <= 0) throw new UsageError('--basic must look like user:pass', command);
    basic = { username: basicText.slice(0, colon), password: basicText.slice(colon + 1) };
  }

  const query: Record<string, QueryFieldKey> = {};
  for (const pair of args.lists.get('query') ?? []) {
    const equals = pair.indexOf('=');
    if (equals <= 0) throw new UsageError(`--query must look like name=field, got "${pair}"`, command);
    const field = findQueryField(pair.slice(equals + 1));
    if (!field) {
      throw new UsageError(
        `--query "${pair}": unknown field "${pair.slice(equals + 1)}" ` +
          `(fields: ${QUERY_FIELDS.map((row) => row.key).join(', ')}, or their panel labels)`,
        command,
      );
    }
    Object.defineProperty(query, pair.slice(0, equals), {
      value: field.key,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  if (methodText === 'GET' && Object.keys(query).length === 0) {
    throw new UsageError(
      'a GET webhook carries only its query parameters: map at least one with --query name=field ' +
        '(e.g. --query uid=uid --query state=callState --query caller=callerNumber)',
      command,
    );
  }
  const order = (key: QueryFieldKey): number => QUERY_FIELDS.findIndex((row) => row.key === key);
  const mapping = Object.entries(query)
    .sort(([, a], [, b]) => order(a) - order(b))
    .map(([parameter, key]) => [parameter, QUERY_FIELDS[order(key)] as (typeof QUERY_FIELDS)[number]] as const);

  return {
    url,
    method: methodText,
    headers,
    basic,
    query,
    mapping,
    timeoutMs: integerValue(command, args, 'timeout', 10_000, 1, 600_000),
  };
}

/** The fields a GET webhook needs in its query to say which event of which call it is. */
export function missingEventFields(target: Target): QueryFieldKey[] {
  const mapped = new Set(Object.values(target.query));
  return (['callState', 'uid'] as const).filter((key) => !mapped.has(key));
}

/** How a POST body carries the payload: one of the builders' encodings, or the bytes as they are. */
export type DeliveryBody =
  { encoding: WebhookBodyEncoding; contentType?: string } | { raw: Uint8Array; contentType: string };

/** The answer to one delivery. `status` is 0 when no HTTP answer came (refused, timed out). */
export interface Delivery {
  status: number;
  /** Milliseconds from sending to the whole answer. */
  ms: number;
  /** The receiver said it had seen the event (`{"duplicate": true}`). */
  duplicate: boolean;
  /** A short reason for a failure: the error code of the answer, or why there was none. */
  problem: string | null;
  /** The answer's `error.details` (a 422's failing paths), when it has some. */
  details: readonly ValidationDetail[];
  /** Why the target cannot be reached at all (`connection refused`): nothing sent after this one will arrive. */
  unreachable: string | null;
  /** For GET: the event a receiver builds from the query string sent (`unknown` when it says no state). */
  queryEvent: { name: string; uid: string | null } | null;
}

/** Socket-level failures after which every other request of the run would fail the same way. */
const UNREACHABLE: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EADDRNOTAVAIL: 'address not available',
  CERT_HAS_EXPIRED: 'its TLS certificate has expired',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'its TLS certificate is self-signed',
  SELF_SIGNED_CERT_IN_CHAIN: 'its TLS certificate chain is self-signed',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'its TLS certificate cannot be verified',
  ERR_TLS_CERT_ALTNAME_INVALID: 'its TLS certificate is for another host',
  ERR_SSL_WRONG_VERSION_NUMBER: 'it does not speak TLS (http: instead of https:?)',
};

/** A socket error's code (the first of several addresses tried); `null` for anything else. */
function errorCode(error: unknown): string | null {
  const first = error instanceof AggregateError ? (error.errors[0] as unknown) : undefined;
  for (const candidate of [error, first]) {
    const code = (candidate as { code?: unknown } | null | undefined)?.code;
    if (typeof code === 'string') return code;
  }
  return null;
}

function describeFailure(error: unknown): string {
  return errorCode(error) ?? (error instanceof Error ? error.message : String(error));
}

// One keep-alive pool per protocol for the whole run, as MyOperator's sender keeps its connections.
const AGENTS = { 'http:': new HttpAgent({ keepAlive: true }), 'https:': new HttpsAgent({ keepAlive: true }) };

/** What came back: the status and the whole body as text. */
interface Answer {
  status: number;
  statusText: string;
  text: string;
}

/**
 * One request with Node's own client (not fetch, which refuses ports such as 6000 or 10080 that a webhook
 * server may well use); rejects with the socket error, or a TimeoutError after `timeoutMs`.
 */
function exchange(
  url: URL,
  method: string,
  headers: Record<string, string>,
  body: string | Uint8Array | undefined,
  timeoutMs: number,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const outgoing = {
      ...headers,
      ...(body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) }),
    };
    // One deadline for the whole exchange (connect, send, the whole answer), like fetch's AbortSignal.timeout.
    const timer = setTimeout(() => {
      const timeout = new Error(`no answer in ${timeoutMs} ms`);
      timeout.name = 'TimeoutError';
      request.destroy(timeout);
    }, timeoutMs);
    const fail = (error: unknown): void => {
      clearTimeout(timer);
      reject(error instanceof Error ? error : new Error(String(error)));
    };
    const request = send(
      url,
      { method, headers: outgoing, agent: url.protocol === 'https:' ? AGENTS['https:'] : AGENTS['http:'] },
      (response: IncomingMessage) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.once('error', fail);
        response.once('end', () => {
          clearTimeout(timer);
          resolve({
            status: response.statusCode ?? 0,
            statusText: response.statusMessage ?? '',
            text: Buffer.concat(chunks).toString('utf8'),
          });
        });
      },
    );
    request.once('error', fail);
    request.end(body);
  });
}

function errorOf(body: unknown): { code: string | null; details: readonly ValidationDetail[] } {
  const error = typeof body === 'object' && body !== null ? (body as { error?: unknown }).error : undefined;
  if (typeof error !== 'object' || error === null) return { code: null, details: [] };
  const { code, details } = error as { code?: unknown; details?: unknown };
  const listed = Array.isArray(details)
    ? details.filter(
        (item): item is ValidationDetail =>
          typeof item === 'object' &&
          item !== null &&
          typeof (item as { path?: unknown }).path === 'string' &&
          typeof (item as { message?: unknown }).message === 'string',
      )
    : [];
  return { code: typeof code === 'string' ? code : null, details: listed };
}

const NO_ANSWER = { duplicate: false, details: [], unreachable: null, queryEvent: null } as const;

/** Sends one payload to the target the way MyOperator would, and times the answer. */
export async function deliver(target: Target, payload: unknown, how: DeliveryBody): Promise<Delivery> {
  const started = performance.now();
  let query: Record<string, string> = {};
  let queryEvent: Delivery['queryEvent'] = null;
  if (target.mapping.length > 0) {
    try {
      query = queryParamsFor(payload, target.query);
    } catch (error) {
      return { ...NO_ANSWER, status: 0, ms: 0, problem: `cannot fill --query from it: ${describeFailure(error)}` };
    }
    if (target.method === 'GET') {
      const event = normalizeQuery(query, target.mapping, DEFAULT_NORMALIZE_OPTIONS, new Date());
      queryEvent = { name: event?.name ?? 'unknown', uid: event?.uid ?? null };
    }
  }
  const request = buildWebhookRequest('raw' in how ? '' : payload, {
    // A raw body is not built: the request is built as a GET (no body), then given the bytes as they are.
    method: 'raw' in how ? 'GET' : target.method,
    ...('raw' in how ? {} : { encoding: how.encoding }),
    headers: target.headers,
    ...(target.basic ? { basic: target.basic } : {}),
    searchParams: query,
    path: `${target.url.pathname}${target.url.search}`,
  });
  let body: string | Uint8Array | undefined = request.body;
  if (target.method === 'POST' && 'raw' in how) body = how.raw;
  if (target.method === 'POST' && how.contentType !== undefined) request.headers['content-type'] = how.contentType;
  try {
    const answer = await exchange(
      new URL(request.path, target.url.origin),
      target.method,
      request.headers,
      body,
      target.timeoutMs,
    );
    let parsed: unknown = null;
    try {
      parsed = JSON.parse(answer.text) as unknown;
    } catch {
      // not JSON: nothing more to say about it
    }
    const ok = answer.status >= 200 && answer.status < 300;
    const duplicate =
      ok && typeof parsed === 'object' && parsed !== null && (parsed as { duplicate?: unknown }).duplicate;
    const error = ok ? { code: null, details: [] } : errorOf(parsed);
    return {
      status: answer.status,
      ms: performance.now() - started,
      duplicate: duplicate === true,
      problem: ok ? null : (error.code ?? (answer.statusText || null)),
      details: error.details,
      unreachable: null,
      queryEvent,
    };
  } catch (failure) {
    const code = errorCode(failure);
    const timedOut = failure instanceof Error && failure.name === 'TimeoutError';
    return {
      ...NO_ANSWER,
      status: 0,
      ms: performance.now() - started,
      problem: timedOut ? 'no answer in time (--timeout)' : describeFailure(failure),
      unreachable: code === null ? null : (UNREACHABLE[code] ?? null),
      queryEvent,
    };
  }
}
