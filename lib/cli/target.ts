// Where and how the CLI sends webhooks (--url, --method, --header, --basic, --query, --timeout), checked once,
// and the one function that delivers a payload there with the package's own request builders.

import { findQueryField, type QueryFieldKey } from '../normalize/query';
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
  timeoutMs: number;
}

/** The options every sending command takes. */
export const TARGET_OPTIONS: readonly OptionSpec[] = [
  { name: 'url', kind: 'value', placeholder: '<url>', description: 'the webhook URL (required)' },
  {
    name: 'method',
    kind: 'value',
    placeholder: 'POST|GET',
    description: 'POST: the call log in the body; GET: only the --query parameters (POST)',
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
  { name: 'timeout', kind: 'value', placeholder: '<ms>', description: 'give up on an answer after this long (10000)' },
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
        `--query "${pair}": unknown field "${pair.slice(equals + 1)}" (fields: callerNumber, callerNumberRaw, ` +
          `createdAt, direction, status, callState, uid, companyId, serviceNumber, userPhoneNumber, referenceId, ` +
          `clientRefId, publicIvrId, or their panel labels)`,
        command,
      );
    }
    query[pair.slice(0, equals)] = field.key;
  }
  if (methodText === 'GET' && Object.keys(query).length === 0) {
    throw new UsageError(
      'a GET webhook carries only its query parameters: map at least one with --query name=field ' +
        '(e.g. --query uid=uid --query state=callState --query caller=callerNumber)',
      command,
    );
  }

  return {
    url,
    method: methodText,
    headers,
    basic,
    query,
    timeoutMs: integerValue(command, args, 'timeout', 10_000, 1, 600_000),
  };
}

/** The answer to one delivery. `status` is 0 when no HTTP answer came (refused, timed out). */
export interface Delivery {
  status: number;
  /** Milliseconds from sending to the whole answer. */
  ms: number;
  /** The receiver said it had seen the event (`{"duplicate": true}`). */
  duplicate: boolean;
  /** A short reason for a failure: the error code of the answer, or why there was none. */
  problem: string | null;
}

function describeFailure(error: unknown): string {
  if (error instanceof Error) {
    if (error.name === 'TimeoutError') return 'no answer in time (--timeout)';
    const cause = (error as Error & { cause?: unknown }).cause;
    if (cause instanceof Error) {
      const code = (cause as Error & { code?: unknown }).code;
      return typeof code === 'string' ? code : cause.message;
    }
    return error.message;
  }
  return String(error);
}

function errorCode(body: unknown): string | null {
  if (typeof body !== 'object' || body === null) return null;
  const error = (body as { error?: unknown }).error;
  if (typeof error !== 'object' || error === null) return null;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : null;
}

/** Sends one payload to the target the way MyOperator would, and times the answer. */
export async function deliver(target: Target, payload: unknown, encoding: WebhookBodyEncoding): Promise<Delivery> {
  const started = performance.now();
  let query: Record<string, string> = {};
  if (Object.keys(target.query).length > 0) {
    try {
      query = queryParamsFor(payload, target.query);
    } catch (error) {
      return { status: 0, ms: 0, duplicate: false, problem: `cannot fill --query from it: ${describeFailure(error)}` };
    }
  }
  const request = buildWebhookRequest(payload, {
    method: target.method,
    encoding,
    headers: target.headers,
    ...(target.basic ? { basic: target.basic } : {}),
    query,
    path: `${target.url.pathname}${target.url.search}`,
  });
  try {
    const response = await fetch(new URL(request.path, target.url.origin), {
      method: request.method,
      headers: request.headers,
      signal: AbortSignal.timeout(target.timeoutMs),
      ...(request.body === undefined ? {} : { body: request.body }),
    });
    const text = await response.text();
    let body: unknown = null;
    try {
      body = JSON.parse(text) as unknown;
    } catch {
      // not JSON: nothing more to say about it
    }
    const ok = response.status >= 200 && response.status < 300;
    const duplicate = ok && typeof body === 'object' && body !== null && (body as { duplicate?: unknown }).duplicate;
    return {
      status: response.status,
      ms: performance.now() - started,
      duplicate: duplicate === true,
      problem: ok ? null : (errorCode(body) ?? (response.statusText || null)),
    };
  } catch (error) {
    return { status: 0, ms: performance.now() - started, duplicate: false, problem: describeFailure(error) };
  }
}
