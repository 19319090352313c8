// CallEvents dispatch: which handlers run for an event, concurrently, and how their failures are gathered and
// reported. De-duplication and sessions are off here (their own specs cover them).

import {
  CALL_EVENTS,
  CallEvents,
  HandlerError,
  MyOperatorWebhookError,
  type CallEvent,
  type CallEventName,
  type CallEventsError,
} from '../../lib';
import { buildCallEvent, buildInCallLog } from '../../lib/testing';
import { lineLogger, reportsDelivered } from '../helpers/reports';

function dispatcher(logged: string[] = []): CallEvents {
  return new CallEvents({ dedupe: false, sessions: false, logger: lineLogger(logged) });
}

function eventNamed(name: CallEventName): CallEvent {
  return { ...buildCallEvent(buildInCallLog({ uid: `n2.1700000000.${name}` })), name };
}

/** A promise and the function that resolves it. */
function signal(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('the promise resolved');
}

describe('CallEvents', () => {
  describe('with an onX handler for every event', () => {
    it.each(CALL_EVENTS.map((row) => [row.handler, row.name] as const))(
      '%s fires for %s and only for it',
      async (method, name) => {
        const calls = dispatcher();
        const seen: Array<[string, CallEventName]> = [];
        for (const row of CALL_EVENTS) {
          calls[row.handler]((event: CallEvent) => {
            seen.push([row.handler, event.name]);
          });
        }

        await calls.receive(eventNamed(name));

        expect(seen).toEqual([[method, name]]);
      },
    );

    it('fires the in-call state handler for a normalised log', async () => {
      const calls = dispatcher();
      const seen: CallEvent[] = [];
      calls.onUserAnswered((event) => {
        seen.push(event);
      });
      const event = buildCallEvent(buildInCallLog({ call_state: '6' }));

      await calls.receive(event);

      expect(seen).toHaveLength(1);
      expect(seen[0]).toBe(event);
    });
  });

  describe('with on()', () => {
    it('registers a handler for one name', async () => {
      const calls = dispatcher();
      const seen: CallEventName[] = [];
      calls.on('no_answer', (event) => {
        seen.push(event.name);
      });

      await calls.receive(eventNamed('no_answer'));
      await calls.receive(eventNamed('client_rejected'));

      expect(seen).toEqual(['no_answer']);
    });

    it('registers a handler for several names', async () => {
      const calls = dispatcher();
      const seen: CallEventName[] = [];
      calls.on(['no_answer', 'client_rejected'], (event) => {
        seen.push(event.name);
      });

      for (const name of ['no_answer', 'client_rejected', 'user_answered'] as const) {
        await calls.receive(eventNamed(name));
      }

      expect(seen).toEqual(['no_answer', 'client_rejected']);
    });

    it('runs the same handler registered twice twice', async () => {
      const calls = dispatcher();
      let runs = 0;
      const handler = (): void => {
        runs++;
      };
      calls.on('incoming_call', handler);
      calls.onIncomingCall(handler);

      await calls.receive(eventNamed('incoming_call'));

      expect(runs).toBe(2);
    });
  });

  describe('with onAny()', () => {
    it('fires for every call event, and not for WhatsApp events (only onMessage hears those)', async () => {
      const calls = dispatcher();
      const seen: CallEventName[] = [];
      const messages: CallEventName[] = [];
      calls.onAny((event) => {
        seen.push(event.name);
      });
      calls.onMessage((event) => {
        messages.push(event.name);
      });

      for (const row of CALL_EVENTS) await calls.receive(eventNamed(row.name));

      expect(seen).toEqual(CALL_EVENTS.filter((row) => row.ofCall).map((row) => row.name));
      expect(seen).not.toContain('message');
      expect(messages).toEqual(['message']);
    });

    it('fires alongside the event’s own handlers', async () => {
      const calls = dispatcher();
      const seen: string[] = [];
      calls.onAny(() => {
        seen.push('any');
      });
      calls.onCallFinished(() => {
        seen.push('own');
      });

      await calls.receive(eventNamed('call_finished'));

      expect([...seen].sort()).toEqual(['any', 'own']);
    });
  });

  describe('with no handler for the event', () => {
    it('resolves { duplicate: false }', async () => {
      await expect(dispatcher().receive(eventNamed('dialing_users'))).resolves.toEqual({ duplicate: false });
    });
  });

  describe('with a handler removed', () => {
    it('off() stops it for that name', async () => {
      const calls = dispatcher();
      const seen: string[] = [];
      const handler = (event: CallEvent): void => {
        seen.push(event.name);
      };
      calls.on(['incoming_call', 'call_finished'], handler);
      calls.off('incoming_call', handler);

      await calls.receive(eventNamed('incoming_call'));
      await calls.receive(eventNamed('call_finished'));

      expect(seen).toEqual(['call_finished']);
    });

    it('off() removes one registration at a time, and ignores handlers never registered', async () => {
      const calls = dispatcher();
      let runs = 0;
      const handler = (): void => {
        runs++;
      };
      calls.onDialingUsers(handler);
      calls.onDialingUsers(handler);
      calls.off('dialing_users', handler);
      calls.off('no_answer', handler);
      calls.off('dialing_users', () => undefined);

      await calls.receive(eventNamed('dialing_users'));

      expect(runs).toBe(1);
    });

    it('the function an onX method returns unregisters it', async () => {
      const calls = dispatcher();
      const seen: string[] = [];
      const stop = calls.onUserAnswered(() => {
        seen.push('removed');
      });
      calls.onUserAnswered(() => {
        seen.push('kept');
      });
      stop();

      await calls.receive(eventNamed('user_answered'));

      expect(seen).toEqual(['kept']);
    });

    it('the function on([names]) returns unregisters every name', async () => {
      const calls = dispatcher();
      let runs = 0;
      const stop = calls.on(['no_answer', 'client_rejected'], () => {
        runs++;
      });
      stop();

      await calls.receive(eventNamed('no_answer'));
      await calls.receive(eventNamed('client_rejected'));

      expect(runs).toBe(0);
    });

    it('the function onAny() returns unregisters it', async () => {
      const calls = dispatcher();
      let runs = 0;
      const stop = calls.onAny(() => {
        runs++;
      });
      stop();

      await calls.receive(eventNamed('incoming_call'));

      expect(runs).toBe(0);
    });

    it('the function onError() returns unregisters it', async () => {
      const logged: string[] = [];
      const calls = dispatcher(logged);
      let runs = 0;
      const stop = calls.onError(() => {
        runs++;
      });
      stop();
      calls.onIncomingCall(() => {
        throw new Error('boom');
      });

      await rejection(calls.receive(eventNamed('incoming_call')));
      await reportsDelivered();

      // The failure is logged; the unregistered onError handler hears nothing.
      expect([runs, logged.length]).toEqual([0, 1]);
    });
  });

  describe('with several handlers for one event', () => {
    it('runs them concurrently', async () => {
      const calls = dispatcher();
      const firstStarted = signal();
      const secondStarted = signal();
      const finished: string[] = [];
      // Each waits for the other to have started: run one after the other, they would never finish.
      calls.onUserAnswered(async () => {
        firstStarted.resolve();
        await secondStarted.promise;
        finished.push('first');
      });
      calls.onUserAnswered(async () => {
        secondStarted.resolve();
        await firstStarted.promise;
        finished.push('second');
      });

      await calls.receive(eventNamed('user_answered'));

      expect([...finished].sort()).toEqual(['first', 'second']);
    });

    it('gives each the event and a context', async () => {
      const calls = dispatcher();
      const event = eventNamed('call_finished');
      const seen: unknown[] = [];
      calls.onCallFinished((received, ctx) => {
        seen.push(received, typeof ctx);
      });

      await calls.receive(event);

      expect(seen[0]).toBe(event);
      expect(seen[1]).toBe('object');
    });
  });

  describe('with a failing handler', () => {
    it('still runs the others when one throws synchronously', async () => {
      const calls = dispatcher();
      const ran: string[] = [];
      calls.onCallFinished(() => {
        throw new Error('sync failure');
      });
      calls.onCallFinished(() => {
        ran.push('second');
      });
      calls.onAny(() => {
        ran.push('any');
      });

      await rejection(calls.receive(eventNamed('call_finished')));

      expect([...ran].sort()).toEqual(['any', 'second']);
    });

    it('still runs the others when one rejects', async () => {
      const calls = dispatcher();
      const ran: string[] = [];
      calls.onCallFinished(() => Promise.reject(new Error('async failure')));
      calls.onCallFinished(async () => {
        await Promise.resolve();
        ran.push('second');
      });

      await rejection(calls.receive(eventNamed('call_finished')));

      expect(ran).toEqual(['second']);
    });

    it('rejects with one HandlerError carrying the event and every error in order', async () => {
      const calls = dispatcher();
      const first = new Error('first failure');
      const second = new TypeError('second failure');
      calls.onNoAnswer(() => {
        throw first;
      });
      calls.onNoAnswer(() => undefined);
      calls.onNoAnswer(async () => {
        await Promise.resolve();
        throw second;
      });
      const event = eventNamed('no_answer');

      const error = await rejection(calls.receive(event));

      expect(error).toBeInstanceOf(HandlerError);
      expect(error).toBeInstanceOf(MyOperatorWebhookError);
      const handlerError = error as HandlerError;
      expect([handlerError.status, handlerError.code, handlerError.expose]).toEqual([500, 'handler_failed', false]);
      expect(handlerError.event).toBe(event);
      expect(handlerError.errors).toEqual([first, second]);
      expect(handlerError.errors[0]).toBe(first);
      expect(handlerError.errors[1]).toBe(second);
    });

    it('keeps a thrown non-Error value as it was thrown', async () => {
      const calls = dispatcher();
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- what a careless handler does
      calls.onNoAnswer(() => Promise.reject('a plain string'));

      const error = (await rejection(calls.receive(eventNamed('no_answer')))) as HandlerError;

      expect(error.errors).toEqual(['a plain string']);
    });

    it('gives the same error to every onError handler, and rejects with it', async () => {
      const calls = dispatcher();
      const received: Array<[string, CallEventsError]> = [];
      calls.onError((error) => {
        received.push(['first', error]);
      });
      calls.onError(async (error) => {
        await Promise.resolve();
        received.push(['second', error]);
      });
      calls.onIncomingCall(() => {
        throw new Error('boom');
      });

      const rejected = await rejection(calls.receive(eventNamed('incoming_call')));
      await reportsDelivered();

      expect(received.map(([which]) => which).sort()).toEqual(['first', 'second']);
      expect(received[0]?.[1]).toBe(rejected);
      expect(received[1]?.[1]).toBe(rejected);
    });

    it('calls no onError handler when every handler succeeds', async () => {
      const calls = dispatcher();
      let errors = 0;
      calls.onError(() => {
        errors++;
      });
      calls.onIncomingCall(() => undefined);

      await calls.receive(eventNamed('incoming_call'));
      await reportsDelivered();

      expect(errors).toBe(0);
    });
  });

  describe('with an onError handler that throws', () => {
    it('logs it without any error text, still calls the other onError handlers, and rejects with the HandlerError', async () => {
      const logged: string[] = [];
      const calls = dispatcher(logged);
      const seen: CallEventsError[] = [];
      calls.onError(() => {
        throw new Error('onError handler secret text');
      });
      calls.onError((error) => {
        seen.push(error);
      });
      calls.onCallFinished(() => {
        throw new Error('handler secret text');
      });

      const rejected = await rejection(calls.receive(eventNamed('call_finished')));
      await reportsDelivered();

      expect(rejected).toBeInstanceOf(HandlerError);
      expect(seen).toEqual([rejected]);
      // One line for the failure, one for the onError handler that threw; neither with any error text.
      expect(logged).toHaveLength(2);
      for (const line of logged) expect(line).toMatch(/^\[myoperator-webhooks\] /);
      expect(logged.join('\n')).not.toContain('secret text');
    });

    it('does not reject when the onError handler rejects', async () => {
      const logged: string[] = [];
      const calls = dispatcher(logged);
      calls.onError(() => Promise.reject(new Error('onError secret')));
      calls.onCallFinished(() => {
        throw new Error('handler secret');
      });

      const rejected = await rejection(calls.receive(eventNamed('call_finished')));
      await reportsDelivered();

      expect(rejected).toBeInstanceOf(HandlerError);
      expect(logged).toHaveLength(2);
      expect(logged.join('\n')).not.toContain('secret');
    });
  });

  describe('with no onError handler', () => {
    it('logs the failure without the handler’s error text', async () => {
      const logged: string[] = [];
      const calls = dispatcher(logged);
      calls.onCallFinished(() => {
        throw new Error('handler secret text');
      });

      await rejection(calls.receive(eventNamed('call_finished')));
      await reportsDelivered();

      expect(logged).toHaveLength(1);
      expect(logged[0]).toMatch(/^\[myoperator-webhooks\] /);
      expect(logged[0]).not.toContain('secret');
    });

    it('logs nothing with logger: false', async () => {
      const calls = new CallEvents({ dedupe: false, sessions: false, logger: false });
      calls.onCallFinished(() => {
        throw new Error('boom');
      });

      await expect(calls.receive(eventNamed('call_finished'))).rejects.toBeInstanceOf(HandlerError);
    });
  });

  describe('with an unknown event name', () => {
    it('on() throws a TypeError', () => {
      const calls = dispatcher();
      const register = (): unknown => calls.on('not_an_event' as CallEventName, () => undefined);
      expect(register).toThrow(TypeError);
      expect(register).toThrow(/^\[myoperator-webhooks\] .*not_an_event/);
    });

    it('on([names]) throws and registers none of them', async () => {
      const calls = dispatcher();
      let runs = 0;
      const names: unknown = ['incoming_call', 'nope'];
      expect(() =>
        calls.on(names as CallEventName[], () => {
          runs++;
        }),
      ).toThrow(/^\[myoperator-webhooks\]/);

      await calls.receive(eventNamed('incoming_call'));

      expect(runs).toBe(0);
    });
  });

  describe('with a handler that is not a function', () => {
    const notFunctions: readonly unknown[] = [undefined, null, 'handler', 42, {}];

    it.each([
      ['onUserAnswered', (calls: CallEvents, value: unknown) => calls.onUserAnswered(value as () => void)],
      ['on', (calls: CallEvents, value: unknown) => calls.on('incoming_call', value as () => void)],
      ['onAny', (calls: CallEvents, value: unknown) => calls.onAny(value as () => void)],
      ['onError', (calls: CallEvents, value: unknown) => calls.onError(value as () => void)],
    ])('%s() throws a TypeError', (_method, register) => {
      const calls = dispatcher();
      for (const value of notFunctions) {
        expect(() => register(calls, value)).toThrow(TypeError);
        expect(() => register(calls, value)).toThrow(/^\[myoperator-webhooks\]/);
      }
    });
  });
});
