// RedisStore: a CallStore shared by every process of an app, on a user's ioredis client. One Lua script per event
// claims the key and updates the session atomically in Redis; every call has its own deadline, so a dead Redis
// costs de-duplication (handlers still run), never a hung request.

import { createHash } from 'node:crypto';

import { CALL_STATUSES } from '../core/call-event';
import { isCallEventName } from '../core/call-states';
import { describe, integerOption, optionError, readOptions } from '../core/options';
import {
  MAX_SESSION_RECORDS,
  type CallStore,
  type SessionEventRecord,
  type StoreRecordRequest,
  type StoreRecordResult,
} from './call-store';
import { compactKey } from './compact-key';
import { withDeadline } from './deadline';

/**
 * The part of an ioredis client the store uses: an ioredis `Redis` fits it. Spelt out here rather than imported,
 * so that the package's types do not need ioredis installed (it is an optional peer dependency).
 */
export interface RedisStoreClient {
  evalsha(sha1: string, numkeys: number, ...args: string[]): Promise<unknown>;
  eval(script: string, numkeys: number, ...args: string[]): Promise<unknown>;
  del(...keys: string[]): Promise<number>;
  hgetall(key: string): Promise<Record<string, string>>;
}

export interface RedisStoreOptions {
  /**
   * A connected (or connecting) ioredis client of a single Redis server or a Sentinel-managed primary; not a
   * Cluster (a claim and its session are one atomic script over two keys). The store never closes it.
   * @example new Redis(process.env.REDIS_URL)
   */
  client: RedisStoreClient;
  /**
   * Put before every key the store writes, to share a Redis with other apps.
   * @default 'myoperator:'
   */
  keyPrefix?: string;
  /**
   * How long any one store call may take before it rejects (ioredis queues commands while it reconnects, for
   * as long as it retries): past this, the event's handlers run without de-duplication and `onError` hears of it.
   * @default 1000
   */
  timeoutMs?: number;
}

/** Why a store call rejected: Redis did not answer within `timeoutMs` (down, reconnecting, or too slow). */
class RedisStoreTimeoutError extends Error {
  override readonly name = 'RedisStoreTimeoutError';
}

const FACTORY = 'RedisStore';

/**
 * KEYS: the claim key, the session key (each only touched when its ARGV says so).
 * ARGV: claim TTL in ms ('' = no claim), record id ('' = no session), record JSON, session TTL in ms, max records.
 * Returns {0} (already claimed), {1} (claimed, no session), or {1, HGETALL of the session}.
 */
const RECORD_SCRIPT = `
if ARGV[1] ~= '' then
  if not redis.call('SET', KEYS[1], '1', 'NX', 'PX', ARGV[1]) then return {0} end
end
if ARGV[2] == '' then return {1} end
if redis.call('HLEN', KEYS[2]) < tonumber(ARGV[5]) then redis.call('HSETNX', KEYS[2], ARGV[2], ARGV[3]) end
redis.call('PEXPIRE', KEYS[2], ARGV[4])
return {1, redis.call('HGETALL', KEYS[2])}
`;
const RECORD_SCRIPT_SHA = createHash('sha1').update(RECORD_SCRIPT).digest('hex');

const noop = (): void => {};

function isNoScriptError(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('NOSCRIPT');
}

const STATUSES: ReadonlySet<unknown> = new Set([...CALL_STATUSES, null]);
const isNumberOrNull = (value: unknown): value is number | null =>
  value === null || (typeof value === 'number' && Number.isFinite(value));

/** A stored record, checked field by field; `null` when it is not one (written by someone else, or damaged). */
function parseRecord(json: unknown): SessionEventRecord | null {
  if (typeof json !== 'string') return null;
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const { name, callState, at, receivedAt, status, agent, callStartedAt, sequence } = value as Record<string, unknown>;
  if (
    !isCallEventName(name) ||
    !isNumberOrNull(callState) ||
    typeof at !== 'number' ||
    typeof receivedAt !== 'number' ||
    !STATUSES.has(status) ||
    (agent !== null && typeof agent !== 'string') ||
    (callStartedAt !== undefined && !isNumberOrNull(callStartedAt)) ||
    (sequence !== undefined && !isNumberOrNull(sequence))
  ) {
    return null;
  }
  const record: SessionEventRecord = {
    name,
    callState,
    at,
    receivedAt,
    status: status as SessionEventRecord['status'],
    agent,
  };
  if (callStartedAt !== undefined) record.callStartedAt = callStartedAt;
  if (sequence !== undefined) record.sequence = sequence;
  return record;
}

function parseRecords(values: Iterable<unknown>): SessionEventRecord[] {
  const records: SessionEventRecord[] = [];
  for (const value of values) {
    const record = parseRecord(value);
    if (record !== null) records.push(record);
  }
  return records;
}

/** The script's reply as a result; throws on anything else, so a broken reply is a store failure, not a claim. */
function parseRecordReply(reply: unknown): StoreRecordResult {
  if (!Array.isArray(reply) || (reply[0] !== 0 && reply[0] !== 1)) {
    throw new Error('[myoperator-webhooks] RedisStore: unexpected reply from the record script');
  }
  if (reply[0] === 0) return { claimed: false, records: null };
  const fields: unknown = reply[1];
  if (!Array.isArray(fields)) return { claimed: true, records: null };
  // HGETALL as a flat list: id, record, id, record...
  return { claimed: true, records: parseRecords(fields.filter((_, index) => index % 2 === 1)) };
}

/**
 * The CallStore for apps on several machines (or several processes), on an ioredis client: claims and session
 * updates are atomic in Redis, so two processes that receive the same event run its handlers once.
 *
 * Keys: `<keyPrefix>claim:<dedupe key>` (a string, expires after the de-duplication TTL) and
 * `<keyPrefix>session:<uid>` (a hash of event records, expires the session TTL after the call's last event).
 *
 * @example
 * import { Redis } from 'ioredis';
 * const calls = new CallEvents({ store: new RedisStore({ client: new Redis(process.env.REDIS_URL) }) });
 */
export class RedisStore implements CallStore {
  readonly keyPrefix: string;
  readonly timeoutMs: number;
  readonly #client: RedisStoreClient;

  constructor(options: Readonly<RedisStoreOptions>) {
    const record = readOptions(FACTORY, options, ['client', 'keyPrefix', 'timeoutMs']);
    const client = record.client;
    if (client === undefined) throw optionError(FACTORY, '"client" is required: an ioredis client (new Redis(url))');
    const methods = typeof client === 'object' && client !== null ? (client as Record<string, unknown>) : {};
    if (!['evalsha', 'eval', 'del', 'hgetall'].every((method) => typeof methods[method] === 'function')) {
      throw optionError(FACTORY, `"client" must be an ioredis client, got ${describe(client)}`);
    }
    if (methods.isCluster === true) {
      throw optionError(FACTORY, '"client" must not be a Redis Cluster: use a single Redis server or a primary');
    }
    this.#client = client as RedisStoreClient;
    if (record.keyPrefix !== undefined && typeof record.keyPrefix !== 'string') {
      throw optionError(FACTORY, `"keyPrefix" must be a string, got ${describe(record.keyPrefix)}`);
    }
    this.keyPrefix = record.keyPrefix ?? 'myoperator:';
    this.timeoutMs = integerOption(FACTORY, 'timeoutMs', record.timeoutMs, 1000, 1);
  }

  /** The Redis key of a de-duplication claim. */
  claimKey(key: string): string {
    return `${this.keyPrefix}claim:${compactKey(key)}`;
  }

  /** The Redis key of a call's session hash. */
  sessionKey(uid: string): string {
    return `${this.keyPrefix}session:${compactKey(uid)}`;
  }

  async record({ dedupe, session }: StoreRecordRequest): Promise<StoreRecordResult> {
    if (dedupe === null && session === null) return { claimed: true, records: null };
    const claimKey = this.claimKey(dedupe?.key ?? '');
    const keys = [claimKey, this.sessionKey(session?.uid ?? '')];
    const args = [
      dedupe === null ? '' : String(dedupe.ttlMs),
      session?.id ?? '',
      session === null ? '' : JSON.stringify(session.record),
      session === null ? '' : String(session.ttlMs),
      String(MAX_SESSION_RECORDS),
    ];
    const client = this.#client;
    const run = async (): Promise<StoreRecordResult> => {
      let reply: unknown;
      try {
        reply = await client.evalsha(RECORD_SCRIPT_SHA, 2, ...keys, ...args);
      } catch (error) {
        // The first call on a Redis (or after it restarted) loads the script.
        if (!isNoScriptError(error)) throw error;
        reply = await client.eval(RECORD_SCRIPT, 2, ...keys, ...args);
      }
      return parseRecordReply(reply);
    };
    // A record that Redis runs after we gave up (ioredis sends queued commands once it reconnects) would hold a
    // claim for an event whose handlers ran without one, and if they failed, a redelivery would be refused: so
    // a claim that arrives late is given back.
    const giveBackLateClaim =
      dedupe === null
        ? undefined
        : (result: StoreRecordResult): void => {
            if (result.claimed) client.del(claimKey).catch(noop);
          };
    return this.#withTimeout('record', run(), giveBackLateClaim);
  }

  async release(key: string): Promise<void> {
    await this.#withTimeout('release', this.#client.del(this.claimKey(key)));
  }

  async sessionRecords(uid: string): Promise<SessionEventRecord[]> {
    const hash = await this.#withTimeout('sessionRecords', this.#client.hgetall(this.sessionKey(uid)));
    return parseRecords(Object.values(hash));
  }

  /** Settles with `operation`, or rejects once `timeoutMs` passed; `late` sees a result that came after that. */
  #withTimeout<T>(operation: string, pending: Promise<T>, late?: (value: T) => void): Promise<T> {
    const timeoutMs = this.timeoutMs;
    const timeout = (): Error =>
      new RedisStoreTimeoutError(
        `[myoperator-webhooks] RedisStore: ${operation} got no answer from Redis within ${timeoutMs} ms`,
      );
    return withDeadline(pending, timeoutMs, timeout, late);
  }
}
