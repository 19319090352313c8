// The handlers of a CallEvents: per event name, for every event (`onAny`), and for failures (`onError`). Lists are
// replaced, never changed in place, so an event that is being dispatched keeps the handlers it started with.

import { isCallEventName, type CallEventName } from '../core/call-states';
import { describe, optionError } from '../core/options';

/** Removes the handler it was returned for. */
export type Unsubscribe = () => void;

const FACTORY = 'CallEvents';
const NONE: readonly never[] = Object.freeze([]);

/** Handlers of type `H` by event name, plus the `onAny` and `onError` lists. */
export class HandlerRegistry<H extends (...args: never[]) => unknown, E extends (error: never) => unknown> {
  readonly #byName = new Map<CallEventName, readonly H[]>();
  #any: readonly H[] = NONE;
  #errors: readonly E[] = NONE;

  /** The handlers of one event name, in registration order. */
  handlersOf(name: CallEventName): readonly H[] {
    return this.#byName.get(name) ?? NONE;
  }

  get anyHandlers(): readonly H[] {
    return this.#any;
  }

  get errorHandlers(): readonly E[] {
    return this.#errors;
  }

  on(method: string, names: unknown, handler: unknown): Unsubscribe {
    const list = (Array.isArray(names) ? names : [names]) as readonly unknown[];
    assertHandler(method, handler);
    for (const name of list) {
      if (!isCallEventName(name))
        throw optionError(`${FACTORY}.${method}()`, `unknown event name ${JSON.stringify(name)}`);
    }
    for (const name of list as readonly CallEventName[])
      this.#byName.set(name, [...this.handlersOf(name), handler as H]);
    return () => {
      this.off(list as readonly CallEventName[], handler as H);
    };
  }

  off(names: CallEventName | readonly CallEventName[], handler: H): void {
    for (const name of typeof names === 'string' ? [names] : names) {
      const list = this.#byName.get(name);
      if (list) this.#byName.set(name, withoutFirst(list, handler));
    }
  }

  onAny(handler: unknown): Unsubscribe {
    assertHandler('onAny', handler);
    this.#any = [...this.#any, handler as H];
    return () => {
      this.#any = withoutFirst(this.#any, handler as H);
    };
  }

  onError(handler: unknown): Unsubscribe {
    assertHandler('onError', handler);
    this.#errors = [...this.#errors, handler as E];
    return () => {
      this.#errors = withoutFirst(this.#errors, handler as E);
    };
  }
}

function assertHandler(method: string, handler: unknown): void {
  if (typeof handler !== 'function') {
    throw optionError(`${FACTORY}.${method}()`, `the handler must be a function, got ${describe(handler)}`);
  }
}

function withoutFirst<T>(list: readonly T[], item: T): readonly T[] {
  const index = list.indexOf(item);
  return index < 0 ? list : [...list.slice(0, index), ...list.slice(index + 1)];
}
