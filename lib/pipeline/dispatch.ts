// From a built CallEvent to the answer MyOperator gets: `calls.receive()`, then 200 (or a duplicate), 202 past
// `timeoutMs` while the handlers go on, 500 `handler_failed` so the sender delivers again, or 503 while closing.
// Shared by every adapter; the adapter only writes what `settle` is told.

import type { CallEvent } from '../core/call-event';
import { MyOperatorWebhookError, shuttingDownError } from '../core/errors';
import { enumOption, integerOption, optionKeys } from '../core/options';
import type { CallEventContext } from '../dispatch/context';
import type { CallEvents } from '../dispatch/call-events';
import { unrefTimer } from '../store/deadline';

export interface DispatchOptions {
  /**
   * When to answer MyOperator: after the handlers, before them, or not at all (`'next'`: the app answers).
   * @default 'after-handlers'
   */
  respond?: 'after-handlers' | 'immediately' | 'next';
  /**
   * Answer 202 if handlers still run after this many milliseconds (they go on); `0` waits for them.
   * @default 4000
   */
  timeoutMs?: number;
  /**
   * How to answer when a handler failed: 500 so a retrying sender delivers again, or 200.
   * @default 'respond-500'
   */
  onHandlerError?: 'respond-500' | 'respond-200';
}

export const DISPATCH_OPTION_KEYS = optionKeys<DispatchOptions>()(['respond', 'timeoutMs', 'onHandlerError']);

/** How a dispatch ended: the answer to give (`failed` carries the error to answer with). */
export type DispatchOutcome = 'ok' | 'duplicate' | 'pending' | 'failed';

/** Receives the outcome of one dispatch, exactly once. */
export type Settle = (outcome: DispatchOutcome, error?: unknown) => void;

interface PendingEntry {
  readonly deadline: number;
  /** Dropped once the dispatch settled, so a settled entry waiting for the timer holds no request. */
  settle: Settle | null;
  next: PendingEntry | null;
}

/**
 * The dispatches still running, oldest first, under one timer. All share one `timeoutMs`, so arrival order is
 * deadline order: the timer is armed for the oldest one only, and a request that settles in time costs a flag,
 * not a timer of its own.
 */
class PendingDispatches {
  readonly #timeoutMs: number;
  #head: PendingEntry | null = null;
  #tail: PendingEntry | null = null;
  #armed = false;

  constructor(timeoutMs: number) {
    this.#timeoutMs = timeoutMs;
  }

  add(settle: Settle): PendingEntry {
    const entry: PendingEntry = { deadline: Date.now() + this.#timeoutMs, settle, next: null };
    if (this.#tail === null) this.#head = entry;
    else this.#tail.next = entry;
    this.#tail = entry;
    if (!this.#armed) this.#arm(this.#timeoutMs);
    return entry;
  }

  #arm(ms: number): void {
    this.#armed = true;
    unrefTimer(setTimeout(() => this.#expire(), ms));
  }

  #expire(): void {
    this.#armed = false;
    const now = Date.now();
    let entry = this.#head;
    while (entry !== null && (entry.settle === null || entry.deadline <= now)) {
      const settle = entry.settle;
      entry.settle = null;
      settle?.('pending');
      entry = entry.next;
    }
    this.#head = entry;
    if (entry === null) this.#tail = null;
    else this.#arm(entry.deadline - now);
  }
}

/** Runs `calls.receive()` for an adapter and tells it what to answer. */
export class Dispatcher {
  readonly calls: CallEvents;
  readonly respond: NonNullable<DispatchOptions['respond']>;
  readonly #failWith500: boolean;
  readonly #pending: PendingDispatches | null;

  constructor(calls: CallEvents, factory: string, options: Readonly<Record<string, unknown>>) {
    this.calls = calls;
    this.respond = enumOption(
      factory,
      'respond',
      options.respond,
      ['after-handlers', 'immediately', 'next'],
      'after-handlers',
    );
    const timeoutMs = integerOption(factory, 'timeoutMs', options.timeoutMs, 4000);
    const onHandlerError = enumOption(
      factory,
      'onHandlerError',
      options.onHandlerError,
      ['respond-500', 'respond-200'],
      'respond-500',
    );
    this.#failWith500 = onHandlerError === 'respond-500';
    this.#pending = timeoutMs === 0 ? null : new PendingDispatches(timeoutMs);
  }

  /** Delivers the event and settles once: the answer, or `'pending'` past the timeout while the handlers go on. */
  dispatch(event: CallEvent, ctx: CallEventContext, settle: Settle): void {
    const calls = this.calls;
    if (calls.closing) {
      settle('failed', shuttingDownError());
      return;
    }
    if (this.respond === 'immediately') {
      settle('ok');
      // Answered already: a failure is reported to onError, and with a queue it is retried there.
      calls.receive(event, ctx).catch(ignore);
      return;
    }
    const entry = this.#pending === null ? null : this.#pending.add(settle);
    calls.receive(event, ctx).then(
      (result) => {
        if (entry !== null) {
          if (entry.settle === null) return;
          entry.settle = null;
        }
        settle(result.duplicate ? 'duplicate' : 'ok');
      },
      (error: unknown) => {
        if (entry !== null) {
          if (entry.settle === null) return;
          entry.settle = null;
        }
        const refused = error instanceof MyOperatorWebhookError && error.code === 'shutting_down';
        if (refused || this.#failWith500) settle('failed', error);
        else settle('ok');
      },
    );
  }
}

function ignore(): void {}
