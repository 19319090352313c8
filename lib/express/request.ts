// Express's types, augmented with what the middlewares add: `req.callEvent`, `res.locals.myOperator`, and the
// request type handlers see as `ctx.req`. `withCallEvent()` wraps a handler that needs the event.

import type { NextFunction, Request, RequestHandler, Response } from 'express';

import type { CallEvent } from '../core/call-event';
import { MyOperatorWebhookError } from '../core/errors';

/** What `respond: 'next'` leaves for the app in `res.locals.myOperator`. */
export interface MyOperatorDispatchResult {
  /** The event was delivered before: its handlers did not run again. */
  duplicate: boolean;
  /** The handlers were still running at `timeoutMs`. */
  pending: boolean;
}

declare module 'express-serve-static-core' {
  interface Request {
    /** The MyOperator call event built by `parseMyOperatorBody()` / `mapQueryParams()`. */
    callEvent?: CallEvent;
  }
  interface Locals {
    /** Set by `calls.middleware({ respond: 'next' })` before it calls `next()`. */
    myOperator?: MyOperatorDispatchResult;
  }
}

declare module '../dispatch/context' {
  interface CallEventRequests {
    express: Request;
  }
}

/** A Request on which `parseMyOperatorBody()` or `mapQueryParams()` has built the call event. */
export type CallEventRequest = Request & { callEvent: CallEvent };

/** A route handler that needs the call event. */
export type CallEventRequestHandler = (req: CallEventRequest, res: Response, next: NextFunction) => unknown;

/**
 * Wraps a handler typed with `CallEventRequest` into an Express `RequestHandler` (which `strictFunctionTypes` does
 * not let it be directly): 400 `missing_call_event` when no earlier piece built the event; a rejected promise goes
 * to `next(err)` on Express 4 as on 5.
 *
 * @example
 * app.post('/x', parseMyOperatorBody(), withCallEvent((req, res) => res.json({ uid: req.callEvent.uid })));
 */
export function withCallEvent(handler: CallEventRequestHandler): RequestHandler {
  if (typeof handler !== 'function') {
    throw new TypeError('[myoperator-webhooks] withCallEvent(): the handler must be a function');
  }
  return function myOperatorWithCallEvent(req: Request, res: Response, next: NextFunction): void {
    if (!req.callEvent) {
      next(new MyOperatorWebhookError('missing_call_event'));
      return;
    }
    try {
      const result = handler(req as CallEventRequest, res, next);
      if (typeof result === 'object' && result !== null && typeof (result as { then?: unknown }).then === 'function') {
        (result as PromiseLike<unknown>).then(undefined, next);
      }
    } catch (error) {
      next(error);
    }
  };
}
