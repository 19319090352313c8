// A compile-only test of the public typing, checked by `tsc -p tsconfig.json` (jest does not run it): what must
// compile compiles, and every `@ts-expect-error` marks a misuse the types must refuse (an unneeded one fails tsc).

import type { IncomingMessage, ServerResponse } from 'node:http';

import express, { type Request, type Response } from 'express';

import {
  authenticate,
  CallEvents,
  mapQueryParams,
  myOperatorWebhook,
  myOperatorFetchHandler,
  myOperatorNodeHandler,
  parseMyOperatorBody,
  withCallEvent,
  type CallEvent,
  type CallEventHandler,
  type CallEventName,
  type CallEventRequest,
  type CallEventsError,
  type MyOperatorDispatchResult,
  type PhoneNumber,
  type ReceiveResult,
  type Unsubscribe,
} from '../../lib';

type Request_ = globalThis.Request;
type Response_ = globalThis.Response;

/** `true` only when A and B are assignable both ways. */
type Equal<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

/** Compiles only when its type argument is `true`. */
function assertType<T extends true>(proof: T): T {
  return proof;
}

/** Uses values, so that the checks can be written as plain declarations. */
function use(...values: unknown[]): number {
  return values.length;
}

export function requestAugmentation(): void {
  assertType<Equal<Request['callEvent'], CallEvent | undefined>>(true);
  assertType<Equal<CallEventRequest['callEvent'], CallEvent>>(true);

  const app = express();
  app.post('/hook', parseMyOperatorBody(), (req: Request, res: Response) => {
    const e164: string | null | undefined = req.callEvent?.caller?.e164;
    res.json({ e164 });
  });

  const handle = (req: CallEventRequest): CallEventName => req.callEvent.name;
  use(handle);

  // A route handler typed with CallEventRequest compiles through withCallEvent() ...
  app.post(
    '/typed',
    parseMyOperatorBody(),
    withCallEvent((req, res) => res.json({ uid: req.callEvent.uid })),
  );
  // ... and not directly: strictFunctionTypes forbids it, which is why withCallEvent() exists.
  // @ts-expect-error a CallEventRequest handler is not a RequestHandler
  app.post('/direct', parseMyOperatorBody(), (req: CallEventRequest, res: Response) => res.json(req.callEvent.uid));

  // What respond: 'next' leaves for the app is typed.
  app.all('/next', parseMyOperatorBody(), new CallEvents().middleware({ respond: 'next' }), (_req, res) => {
    const result: MyOperatorDispatchResult | undefined = res.locals.myOperator;
    res.status(result?.pending === true ? 202 : 200).end();
  });
}

export function otherAdapters(calls: CallEvents): void {
  const node: (req: IncomingMessage, res: ServerResponse, next?: (err?: unknown) => void) => void =
    myOperatorNodeHandler({
      auth: false,
      calls,
      path: '/hook',
    });
  const web: (request: Request_) => Promise<Response_> = myOperatorFetchHandler({ auth: false, calls });
  calls.onAny((_event, ctx) => {
    // ctx.req is the adapter's request: Express's, Node's or the Fetch API's.
    const req: Request | IncomingMessage | Request_ | undefined = ctx.req;
    use(req);
  });
  use(node, web);
}

export function handlerNarrowing(calls: CallEvents, event: CallEvent): void {
  const stop: Unsubscribe = calls.onUserAnswered((answered) => {
    const name: 'user_answered' = answered.name;
    assertType<Equal<typeof answered, CallEvent<'user_answered'>>>(true);
    use(name);
  });
  stop();

  calls.onCallFinished(async (finished, ctx) => {
    const name: 'call_finished' = finished.name;
    await Promise.resolve(ctx.req?.method);
    use(name);
  });

  calls.on(['no_answer', 'client_rejected'], (missed) => {
    const name: 'no_answer' | 'client_rejected' = missed.name;
    use(name);
  });

  calls.onAny((any) => {
    const name: CallEventName = any.name;
    use(name);
  });

  calls.onError((error) => {
    const failed: CallEventsError = error;
    const failedEvent: CallEvent = error.event;
    use(failed);
    use(failedEvent);
  });

  const general: CallEventHandler = () => undefined;
  calls.onIncomingCall(general);
  calls.off('incoming_call', general);

  const result: Promise<ReceiveResult> = calls.receive(event);
  use(result);

  // The rows of the call-state table for Webhook v2: the IVR greeting and WhatsApp events have handlers of their own.
  calls.onIvrStarted((ivr) => {
    const name: 'ivr_started' = ivr.name;
    use(name);
  });
  calls.onMessage((message) => {
    assertType<Equal<typeof message, CallEvent<'message'>>>(true);
    const sequence: number | null = message.sequence;
    use(sequence);
  });
  calls.on(['disposition', 'message'], (event) => {
    const name: 'disposition' | 'message' = event.name;
    use(name);
  });
  assertType<Equal<Extract<CallEventName, 'ivr_started' | 'message'>, 'ivr_started' | 'message'>>(true);

  // @ts-expect-error -- a handler for call_finished events is not a handler for WhatsApp events
  calls.onMessage((finished: CallEvent<'call_finished'>) => finished.name);

  // @ts-expect-error -- a handler for call_finished events is not a handler for user_answered events
  calls.onUserAnswered((finished: CallEvent<'call_finished'>) => finished.name);

  // @ts-expect-error -- not an event name
  calls.on('not_an_event', () => undefined);

  // @ts-expect-error -- not an event name, inside a list
  calls.on(['incoming_call', 'not_an_event'], () => undefined);

  // @ts-expect-error -- off() takes event names only
  calls.off('not_an_event', general);
}

export function nullableFields(event: CallEvent): void {
  // @ts-expect-error -- caller may be null: the null check is required
  const unchecked: string | null = event.caller.e164;
  use(unchecked);

  const checked: string | null | undefined = event.caller?.e164;
  use(checked);

  const caller: PhoneNumber | null = event.caller;
  if (caller !== null) {
    const e164: string | null = caller.e164;
    use(e164);
  }

  const users: string[] = event.users;
  use(users);

  // @ts-expect-error -- absent values are null, never undefined
  event.uid = undefined;

  // @ts-expect-error -- absent values are null, never undefined
  event.caller = undefined;

  event.uid = null;
}

export function factoryOptions(calls: CallEvents): void {
  authenticate({ headers: ['my-super-secret-token: abc123def'], basic: { username: 'admin', password: '123456' } });
  authenticate({ headers: { 'x-api-key': ['new-key', 'old-key'] }, query: { key: 'abc' }, realm: 'Mine' });

  // @ts-expect-error -- excess property: a typo of "headers"
  authenticate({ heders: [] });

  mapQueryParams({ caller_number: 'callerNumber', state: 'Call state', uid: 'uid' });
  mapQueryParams({ anything: 'a label the types cannot know, checked at run time' });

  // @ts-expect-error -- a mapping value must be a string
  mapQueryParams({ caller_number: 5 });

  // @ts-expect-error -- excess option
  mapQueryParams({ uid: 'uid' }, { limit: '10kb' });

  calls.middleware({ respond: 'next', timeoutMs: 1000, onHandlerError: 'respond-200' });

  // @ts-expect-error -- not one of 'after-handlers' | 'immediately' | 'next'
  calls.middleware({ respond: 'later' });

  // @ts-expect-error -- not one of 'respond-500' | 'respond-200'
  calls.middleware({ onHandlerError: 'respond-404' });

  myOperatorWebhook({ auth: false, calls, respond: 'immediately' });

  // @ts-expect-error -- not one of 'after-handlers' | 'immediately' | 'next'
  myOperatorWebhook({ auth: false, calls, respond: 'later' });

  // @ts-expect-error -- auth is required (false opts out explicitly)
  myOperatorWebhook({ calls });

  // @ts-expect-error -- calls is required
  myOperatorWebhook({ auth: false });

  // @ts-expect-error -- auth: true means nothing
  myOperatorWebhook({ auth: true, calls });

  parseMyOperatorBody({ limit: '100kb', field: 'myoperator', defaultCountryCode: '91', timeZone: 'Asia/Kolkata' });

  // @ts-expect-error -- excess property: a typo of "limit"
  parseMyOperatorBody({ limt: '100kb' });

  // @ts-expect-error -- excess property
  new CallEvents({ dedup: false });
}
