// The all-in-one webhook, framework-free: its options checked once (auth, body, normalisation, query mapping,
// dispatch) and the stages every adapter runs in the same order: authenticate -> find the call log -> normalise
// -> the query mapping -> dispatch -> answer. The Express Router, the node:http handler and the Fetch handler
// are thin layers over it, so they answer alike.

import type { CallEvent } from '../core/call-event';
import { MyOperatorWebhookError } from '../core/errors';
import { optionError, optionKeys, readOptions, stringOption } from '../core/options';
import { CallEvents } from '../dispatch/call-events';
import { normalizePayload } from '../normalize';
import type { ResolvedQueryMapping } from '../normalize/query';
import {
  NORMALIZE_OPTION_KEYS,
  readNormalizeOptions,
  type NormalizeOptions,
  type NormalizeSettings,
} from '../normalize/options';
import { compileAuthenticator, type AuthenticateOptions, type Authenticator } from './auth';
import { DISPATCH_OPTION_KEYS, Dispatcher, type DispatchOptions } from './dispatch';
import { parseLimit } from './limit';
import { resolveQueryMapping, withQuery, type QueryParamMapping } from './query-mapping';
import type { QueryParams } from './query-string';

/** How the call log is read from the body. */
export interface ParseMyOperatorBodyOptions extends NormalizeSettings {
  /**
   * The largest body accepted, in bytes or as a string such as `'100kb'`; a larger one is answered 413.
   * @default '100kb'
   */
  limit?: number | string;
  /**
   * The form field (and JSON key) that holds the call log.
   * @default 'myoperator'
   */
  field?: string;
}

export const PARSE_BODY_OPTION_KEYS = optionKeys<ParseMyOperatorBodyOptions>()([
  'limit',
  'field',
  ...NORMALIZE_OPTION_KEYS,
]);

export interface MyOperatorWebhookOptions extends ParseMyOperatorBodyOptions, DispatchOptions {
  /** The credentials MyOperator sends (see `authenticate()`); `false` to accept unauthenticated requests. */
  auth: Readonly<AuthenticateOptions> | false;
  /** The handlers. */
  calls: CallEvents;
  /** The panel's query string parameters (see `mapQueryParams()`). */
  queryParams?: QueryParamMapping;
}

/** The options of `myOperatorNodeHandler()` and `myOperatorFetchHandler()`. */
export interface MyOperatorHandlerOptions extends MyOperatorWebhookOptions {
  /**
   * Answer only requests for this path (the query string aside): another path gets `next()` when the adapter has
   * one, else 404 `not_found`. Without it, every request is the webhook's.
   * @example '/myoperator/incall'
   */
  path?: string;
}

export const WEBHOOK_OPTION_KEYS = optionKeys<MyOperatorWebhookOptions>()([
  'auth',
  'calls',
  'queryParams',
  ...PARSE_BODY_OPTION_KEYS,
  ...DISPATCH_OPTION_KEYS,
]);

export const HANDLER_OPTION_KEYS = optionKeys<MyOperatorHandlerOptions>()([...WEBHOOK_OPTION_KEYS, 'path']);

/** Checks the body options once. */
export function resolveBodyOptions(
  factory: string,
  record: Readonly<Record<string, unknown>>,
): { limit: number; field: string; normalize: NormalizeOptions } {
  return {
    limit: parseLimit(factory, record.limit, '100kb'),
    field: stringOption(factory, 'field', record.field, 'myoperator'),
    normalize: readNormalizeOptions(factory, record),
  };
}

/** One webhook's resolved configuration and its stages. */
export class WebhookPipeline {
  readonly authenticator: Authenticator | null;
  readonly limit: number;
  readonly field: string;
  readonly normalize: NormalizeOptions;
  readonly queryMapping: ResolvedQueryMapping;
  readonly dispatcher: Dispatcher;
  readonly calls: CallEvents;
  /** `null`: every path. */
  readonly path: string | null;

  constructor(factory: string, options: unknown, keys: readonly string[] = WEBHOOK_OPTION_KEYS) {
    const record = readOptions(factory, options, keys);
    if (record.auth === undefined) {
      throw optionError(
        factory,
        '"auth" is required: the credentials MyOperator sends, or false to accept any request',
      );
    }
    if (!(record.calls instanceof CallEvents)) throw optionError(factory, '"calls" must be a CallEvents instance');
    this.calls = record.calls;
    this.authenticator =
      record.auth === false ? null : compileAuthenticator(`${factory} "auth" (as in authenticate())`, record.auth);
    const body = resolveBodyOptions(factory, record);
    this.limit = body.limit;
    this.field = body.field;
    this.normalize = body.normalize;
    this.queryMapping = resolveQueryMapping(factory, record.queryParams ?? {});
    this.dispatcher = new Dispatcher(record.calls, factory, record);
    if (record.path !== undefined) {
      const path = stringOption(factory, 'path', record.path, '/');
      if (!path.startsWith('/')) throw optionError(factory, '"path" must start with "/"');
      this.path = path;
    } else this.path = null;
  }

  /** Whether a request path (without its query) is this webhook's. */
  servesPath(path: string): boolean {
    return this.path === null || path === this.path || (path.endsWith('/') && path.slice(0, -1) === this.path);
  }

  /**
   * The event of a request: from its call log (`undefined`: the request has no body) and its query string.
   * Throws the documented 4xx for a log that is no call log, and `missing_call_event` when neither gives one.
   */
  buildEvent(payload: unknown, params: Readonly<QueryParams>, receivedAt: Date): CallEvent {
    const fromBody = payload === undefined ? null : normalizePayload(payload, this.normalize, receivedAt);
    const event = withQuery(fromBody, params, this.queryMapping, this.normalize, receivedAt);
    if (event !== null) return event;
    throw new MyOperatorWebhookError(
      'missing_call_event',
      this.queryMapping.length === 0 ? { hint: 'no_query_mapping' } : {},
    );
  }
}
