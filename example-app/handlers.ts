// The example app's handlers: each call event saved to SQLite (the call's row from the package's session, its
// lead, the agents it names), then told to the boards, with a screen-pop when an agent answers. The same
// registrations run in the one process of `npm run example` and in each worker of the multi-process mode.

import { setTimeout as sleep } from 'node:timers/promises';

import type { CallEvent, CallEventContext, CallEvents } from 'myoperator-webhooks';

import type { CallDatabase } from './database';
import type { BoardUpdates } from './live';

export interface CallHandlersOptions {
  /**
   * Waits this long before saving each event: for the specs only (slow handlers, to stop the app while some run).
   * @default 0
   */
  handlerDelayMs?: number;
}

/**
 * Registers the example's handlers on `calls`.
 * @example handleCalls(calls, new CallDatabase('calls.db'), live);
 */
export function handleCalls(
  calls: CallEvents,
  database: CallDatabase,
  updates: BoardUpdates,
  options: Readonly<CallHandlersOptions> = {},
): void {
  const delayMs = options.handlerDelayMs ?? 0;
  const slow =
    <A extends unknown[]>(work: (...args: A) => void) =>
    async (...args: A): Promise<void> => {
      await sleep(delayMs);
      work(...args);
    };
  const maybeSlow = <A extends unknown[]>(work: (...args: A) => void): ((...args: A) => unknown) =>
    delayMs > 0 ? slow(work) : work;

  // Every event: keep the call's row (from the package's session of the call) and its lead current, then tell
  // the boards. Synchronous SQLite in one transaction: a webhook is answered once its call is saved. A second run
  // of the same event (a worker killed mid-job) writes the same row again: the handler is idempotent.
  calls.onAny(
    maybeSlow((event: CallEvent, ctx: CallEventContext) => {
      const row = database.transaction(() => {
        database.learnAgents(event);
        const lead = database.leadForCaller(event);
        if (event.uid === null || !ctx.session) return null;
        database.upsertCall(event, ctx.session, lead);
        return database.call(event.uid);
      });
      if (row) {
        updates.send('call', row);
        updates.send('agents', database.agents());
        updates.send('stats', database.stats());
      }
    }),
  );

  // The screen-pop: who is calling, and what the CRM knows about them, the moment an agent picks up.
  calls.onUserAnswered(
    maybeSlow((event: CallEvent, ctx: CallEventContext) => {
      const lead = database.transaction(() => database.leadForCaller(event));
      // The session gives the answering agent in E.164 whatever format MyOperator used.
      const agent = ctx.session?.answeredBy ?? null;
      const phone = event.caller?.e164 ?? null;
      // Calls from the number and calls to it, apart: a lead is created by the first call FROM a number, which
      // agents may have called before.
      const earlier = phone === null ? { incoming: 0, outgoing: 0 } : database.earlierCalls(phone, event.uid);
      updates.send('screen-pop', {
        uid: event.uid,
        caller: event.caller?.e164 ?? event.caller?.raw ?? null,
        direction: event.direction,
        agent,
        agentName: database.agentName(agent),
        answeredAt: (ctx.session?.answeredAt ?? event.receivedAt).toISOString(),
        lead,
        earlier,
      });
    }),
  );
}
