// Express's Request, augmented with the normalised call event the middlewares build.

import type { Request } from 'express';

import type { CallEvent } from '../core/call-event';

declare module 'express-serve-static-core' {
  interface Request {
    /** The MyOperator call event built by `parseMyOperatorBody()` / `mapQueryParams()`. */
    callEvent?: CallEvent;
  }
}

/** A Request on which `parseMyOperatorBody()` or `mapQueryParams()` has built the call event. */
export type CallEventRequest = Request & { callEvent: CallEvent };
