// calls.middleware(): the Express face of the pipeline's dispatch, installed on CallEvents by this adapter (the
// framework-free CallEvents knows no Express). Dispatches req.callEvent and answers, or passes errors to next(err).

import type { NextFunction, Request, RequestHandler, Response } from 'express';

import { MyOperatorWebhookError } from '../core/errors';
import { readOptions } from '../core/options';
import { CallEvents, observerOf } from '../dispatch/call-events';
import { observeAppAnswer, writeAnswer } from '../node/write-answer';
import { NOOP_OBSERVER } from '../observe/observer';
import { ANSWERS, type Answer } from '../pipeline/answers';
import { DISPATCH_OPTION_KEYS, Dispatcher, type DispatchOptions, type DispatchOutcome } from '../pipeline/dispatch';

/** The options of `calls.middleware()`. */
export type CallEventsMiddlewareOptions = DispatchOptions;

declare module '../dispatch/call-events' {
  interface CallEvents {
    /**
     * The Express middleware that dispatches `req.callEvent` and answers MyOperator: 200 `{"ok":true}`,
     * `{"ok":true,"duplicate":true}` for a redelivery, 202 `{"ok":true,"pending":true}` past `timeoutMs`; errors
     * go to `next(err)`.
     * @example app.all('/myoperator/incall', authenticate(auth), parseMyOperatorBody(), calls.middleware());
     */
    middleware(options?: Readonly<CallEventsMiddlewareOptions>): RequestHandler;
  }
}

const FACTORY = 'CallEvents.middleware()';

function callEventsMiddleware(calls: CallEvents, options: unknown): RequestHandler {
  const dispatcher = new Dispatcher(calls, FACTORY, readOptions(FACTORY, options, DISPATCH_OPTION_KEYS));
  const observer = observerOf(calls);
  const observing = observer !== NOOP_OBSERVER;
  return function myOperatorDispatch(req: Request, res: Response, next: NextFunction): void {
    const event = req.callEvent;
    if (!event) {
      next(new MyOperatorWebhookError('missing_call_event'));
      return;
    }
    const started = observing ? performance.now() : 0;
    const answer = (result: Answer): void => {
      writeAnswer(res, result);
      if (observing) observer.response(result.status, result.code, (performance.now() - started) / 1000);
    };
    dispatcher.dispatch(event, { req }, (outcome: DispatchOutcome, error?: unknown) => {
      if (outcome === 'failed') next(error);
      else if (dispatcher.respond === 'next') {
        res.locals.myOperator = { duplicate: outcome === 'duplicate', pending: outcome === 'pending' };
        if (observing) observeAppAnswer(res, observer, outcome, started);
        next();
      } else answer(ANSWERS[outcome]);
    });
  };
}

Object.defineProperty(CallEvents.prototype, 'middleware', {
  value: function middleware(this: CallEvents, options: Readonly<CallEventsMiddlewareOptions> = {}): RequestHandler {
    return callEventsMiddleware(this, options);
  },
  writable: true,
  configurable: true,
});
