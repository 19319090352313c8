// myOperatorWebhook(): the whole chain (authenticate, parseMyOperatorBody, mapQueryParams, the dispatcher and
// the JSON error responder) as one Router that answers any method at the path it is mounted on.

import {
  Router,
  type ErrorRequestHandler,
  type NextFunction,
  type Request,
  type RequestHandler,
  type Response,
} from 'express';

import { authenticate, type AuthenticateOptions } from './authenticate';
import { CallEvents, type CallEventsMiddlewareOptions } from '../dispatch/call-events';
import { webhookErrorHandler } from './error-handler';
import { mapQueryParams, type MapQueryParamsOptions, type QueryParamMapping } from './map-query-params';
import { optionError, readOptions } from '../core/options';
import { PARSE_BODY_OPTION_KEYS, parseMyOperatorBody, type ParseMyOperatorBodyOptions } from './parse-body';

export interface MyOperatorWebhookOptions extends ParseMyOperatorBodyOptions, CallEventsMiddlewareOptions {
  /** The credentials MyOperator sends (see `authenticate()`); `false` to accept unauthenticated requests. */
  auth: Readonly<AuthenticateOptions> | false;
  /** The handlers. */
  calls: CallEvents;
  /** The panel's query string parameters (see `mapQueryParams()`). */
  queryParams?: QueryParamMapping;
}

const FACTORY = 'myOperatorWebhook()';
const MIDDLEWARE_KEYS = ['respond', 'timeoutMs', 'onHandlerError'] as const;

function pick<K extends string>(
  record: Readonly<Record<string, unknown>>,
  keys: readonly K[],
): Partial<Record<K, unknown>> {
  const picked: Partial<Record<K, unknown>> = {};
  for (const key of keys) if (record[key] !== undefined) picked[key] = record[key];
  return picked;
}

/** Whether the request is for the path the router is mounted on (not a path below it). */
function atMountPath(req: Request): boolean {
  const url = req.url;
  const end = url.indexOf('?');
  const path = end < 0 ? url : url.slice(0, end);
  return path === '/' || path === '' || req.route !== undefined;
}

/**
 * The whole webhook as one Express Router.
 *
 * @example
 * app.use('/myoperator/incall', myOperatorWebhook({ auth: { headers: ['x-token: abc123'] }, calls }));
 */
export function myOperatorWebhook(options: Readonly<MyOperatorWebhookOptions>): Router {
  const record = readOptions(FACTORY, options, [
    'auth',
    'calls',
    'queryParams',
    ...PARSE_BODY_OPTION_KEYS,
    ...MIDDLEWARE_KEYS,
  ]);
  if (record.auth === undefined) {
    throw optionError(FACTORY, '"auth" is required: the credentials MyOperator sends, or false to accept any request');
  }
  if (!(record.calls instanceof CallEvents)) throw optionError(FACTORY, '"calls" must be a CallEvents instance');
  const chain: RequestHandler[] = [];
  if (record.auth !== false) chain.push(authenticate(record.auth as AuthenticateOptions));
  chain.push(parseMyOperatorBody(pick(record, PARSE_BODY_OPTION_KEYS) as ParseMyOperatorBodyOptions));
  chain.push(
    mapQueryParams(
      (record.queryParams ?? {}) as QueryParamMapping,
      pick(record, ['defaultCountryCode', 'timeZone']) as MapQueryParamsOptions,
    ),
  );
  chain.push(record.calls.middleware(pick(record, MIDDLEWARE_KEYS) as CallEventsMiddlewareOptions));

  const router = Router();
  router.use(runChain(chain, webhookErrorHandler()));
  return router;
}

/**
 * The pieces as one middleware: each runs in turn, the first error goes to the error responder. The same as
 * mounting them one by one, without a router layer (path matching, `next` bookkeeping) per piece on every request.
 */
function runChain(chain: readonly RequestHandler[], onError: ErrorRequestHandler): RequestHandler {
  return function myOperatorWebhookChain(req: Request, res: Response, done: NextFunction): void {
    if (!atMountPath(req)) {
      done();
      return;
    }
    let index = 0;
    const next = (error?: unknown): void => {
      if (error !== undefined && error !== null) {
        if (error === 'route' || error === 'router') done();
        else onError(error, req, res, done);
        return;
      }
      const piece = chain[index++];
      if (piece === undefined) {
        done();
        return;
      }
      try {
        void piece(req, res, next);
      } catch (thrown) {
        onError(thrown, req, res, done);
      }
    };
    next();
  };
}
