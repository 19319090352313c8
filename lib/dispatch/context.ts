// What a handler gets besides the event: the adapter's request, and the call's session, built the first time a
// handler reads it (most events' handlers never do, and building it sorts and copies every event of the call).

import type { SessionEventRecord } from '../store/call-store';
import { buildCallSession, type CallSession } from './session';

/**
 * The request types of the adapters, by adapter: each adapter adds its own (`express`: Express's `Request`, `node`:
 * `IncomingMessage`, `fetch`: the Fetch API's `Request`), so the core names no framework.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled by the adapters' declaration merging
export interface CallEventRequests {}

/** The request an adapter passes as `ctx.req`: any adapter's request type. */
export type AdapterRequest = [keyof CallEventRequests] extends [never]
  ? unknown
  : CallEventRequests[keyof CallEventRequests];

/** What a handler receives besides the event. */
export interface CallEventContext<Req = AdapterRequest> {
  /** The request the event came with (Express `Request`, `IncomingMessage` or Fetch `Request`); `undefined` in a queue worker and for `receive()` without one. */
  req?: Req;
  /** The call's session after this event, when sessions are on and the event has a uid. */
  session?: CallSession | null;
}

/** The context handed to handlers: the caller's context, with a lazily built session. */
export class HandlerContext implements CallEventContext {
  req?: AdapterRequest;
  readonly #uid: string | null;
  #records: readonly SessionEventRecord[] | null;
  #session: CallSession | null | undefined;

  constructor(ctx: CallEventContext, uid: string | null, records: readonly SessionEventRecord[] | null) {
    for (const key of Object.keys(ctx)) {
      if (key !== 'session') (this as Record<string, unknown>)[key] = (ctx as Record<string, unknown>)[key];
    }
    this.#uid = uid;
    this.#records = records;
  }

  get session(): CallSession | null {
    if (this.#session === undefined) {
      this.#session = this.#records === null || this.#uid === null ? null : buildCallSession(this.#uid, this.#records);
      this.#records = null;
    }
    return this.#session;
  }
}
