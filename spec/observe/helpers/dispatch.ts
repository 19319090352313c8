// Drives an Observer's hooks exactly as the dispatcher does for one event (the order documented in
// lib/observe/observer.ts), so the observer's output can be checked without the dispatcher.

import type { CallEvent } from '../../../lib/core/call-event';
import type { Observer } from '../../../lib/observe/observer';
import type { QueuedTraceContext } from '../../../lib/queue/call-queue';

export type Handler = (event: CallEvent) => unknown;

/** One event as the store, the queue and the handlers treat it. */
export interface ScriptedEvent {
  event: CallEvent;
  /** The de-duplication key; `uid:name:callState` when absent. */
  key?: string | null;
  duplicate?: boolean;
  /** What the dispatcher computed from the session: +1 started a call, -1 ended one, 0 otherwise. */
  callDelta?: -1 | 0 | 1;
  /** The store call throws (handlers still run, nothing is recorded). */
  storeFails?: boolean;
  /** With a queue: the job is stored (handlers run in a worker), or the queue fails (handlers run here). */
  queue?: 'stored' | 'fails';
  handlers?: readonly Handler[];
}

export interface Dispatched {
  outcome: 'handled' | 'duplicate' | 'queued' | 'failed';
  /** The trace context put into the job (with `queue: 'stored'`). */
  trace: QueuedTraceContext | null;
}

export function keyOf(event: CallEvent): string | null {
  return event.uid === null ? null : `${event.uid}:${event.name}:${event.callState ?? ''}`;
}

/** Runs handlers as the dispatcher does: concurrently, each inside its run's context; true when one failed. */
async function runHandlers(
  seen: ReturnType<Observer['event']>,
  event: CallEvent,
  handlers: readonly Handler[],
): Promise<boolean> {
  const results = await Promise.all(
    handlers.map(async (handler) => {
      const run = seen.handler(event.name);
      try {
        await run.run(() => handler(event));
        run.end(false);
        return true;
      } catch (thrown) {
        run.end(true, thrown);
        return false;
      }
    }),
  );
  return results.includes(false);
}

/** The web process's receive() for one event. */
export async function dispatch(observer: Observer, script: ScriptedEvent): Promise<Dispatched> {
  const { event } = script;
  const seen = observer.event(event, script.key === undefined ? keyOf(event) : script.key);
  const done = seen.storeCall();
  await Promise.resolve();
  if (script.storeFails === true) {
    done(true);
    seen.storeFailed();
  } else {
    done(false);
    seen.recorded(script.duplicate === true, script.callDelta ?? 0);
  }
  if (script.duplicate === true && script.storeFails !== true) {
    seen.end('duplicate');
    return { outcome: 'duplicate', trace: null };
  }
  if (script.queue === 'stored') {
    const trace = seen.traceContext();
    seen.end('queued');
    return { outcome: 'queued', trace };
  }
  if (script.queue === 'fails') seen.queueFailed();
  const failed = await runHandlers(seen, event, script.handlers ?? []);
  const outcome = failed ? 'failed' : 'handled';
  seen.end(outcome);
  return { outcome, trace: null };
}

/** A worker's attempt at a queued event. */
export async function work(
  observer: Observer,
  event: CallEvent,
  link: QueuedTraceContext | null,
  handlers: readonly Handler[],
): Promise<'handled' | 'failed'> {
  const seen = observer.job(event, keyOf(event), link);
  const failed = await runHandlers(seen, event, handlers);
  const outcome = failed ? 'failed' : 'handled';
  seen.end(outcome);
  return outcome;
}

/** Lets the SafeLogger's deferred lines be written. */
export function flushLogs(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 5));
}
