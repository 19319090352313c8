// Helpers for the queue specs: clients on a real redis-server, queued events, polling, and a gate a processor
// can wait on.

import { Redis } from 'ioredis';

import type { QueuedCallEvent } from '../../lib/queue/call-queue';
import { serializeCallEvent } from '../../lib/queue/serialize';
import { buildCallEvent, buildInCallLog } from '../../lib/testing';
import type { RedisServer } from '../helpers/redis-server';

/** An ioredis client that stays quiet about reconnects (expected in these specs). */
export function connect(server: RedisServer): Redis {
  const client = new Redis(server.url);
  client.on('error', () => {});
  return client;
}

/** A queued in-call event of a call of its own. */
export function queuedEvent(uid: string, callState = '1'): QueuedCallEvent {
  return {
    event: serializeCallEvent(buildCallEvent(buildInCallLog({ uid, call_state: callState }))),
    trace: null,
  };
}

export const delay = (ms: number): Promise<void> =>
  new Promise((resolve) => {
    setTimeout(resolve, ms);
  });

/** Polls `check` until it holds (at most `timeoutMs`); resolves to its last answer, for the test to assert. */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await delay(50);
  }
  return check();
}

/** A promise with its resolve function, to hold a processor until the test lets it go. */
export interface Gate {
  promise: Promise<void>;
  open(): void;
}

export function gate(): Gate {
  let open = (): void => {};
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

/** How many clients the Redis server has connected (CLIENT LIST), the asking one included. */
export async function clientCount(admin: Redis): Promise<number> {
  const list = (await admin.call('CLIENT', 'LIST')) as string;
  return list.trim().split('\n').length;
}
