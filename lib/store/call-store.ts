// The CallStore interface: what CallEvents needs from a store for exactly-once handling and call sessions.
// One `record` call per event does both, so a networked store can do it in one atomic round trip.

import type { CallStatus } from '../core/call-event';
import type { CallEventName } from '../core/call-states';

/**
 * One event of a session as a store keeps it (JSON-safe: times in epoch milliseconds). Stores treat it as
 * opaque: they keep the first record given under each id and hand records back as they were given.
 */
export interface SessionEventRecord {
  name: CallEventName;
  callState: number | null;
  /** Event time: the event's own time, else when it was received. */
  at: number;
  receivedAt: number;
  status: CallStatus | null;
  /** Who answered, for answering events (agent number or name). */
  agent: string | null;
  /** When the call started, as a call summary reports it (its own `at` is when the call ended). */
  callStartedAt?: number | null;
  /** The sender's order of the event within its call (Webhook v2 `event_sequence`), when it gives one. */
  sequence?: number | null;
}

/**
 * Most events kept per call by the stores: a call has about six; a flood of events under one uid must not grow
 * a session without bound.
 */
export const MAX_SESSION_RECORDS = 64;

/** What CallEvents asks a store to do when an event arrives. */
export interface StoreRecordRequest {
  /** Claim this de-duplication key for `ttlMs` (absent: the event is not de-duplicated). */
  dedupe: { key: string; ttlMs: number } | null;
  /** Add this record to the call's session (kept once per `id`) and return all its records. */
  session: { uid: string; id: string; record: SessionEventRecord; ttlMs: number } | null;
}

export interface StoreRecordResult {
  /** `false` when the de-duplication key was already claimed: the event is a redelivery. */
  claimed: boolean;
  /**
   * The session's records after this one was added; `null` when no session was asked for or not claimed.
   *
   * Read-only, for the caller and for the store: a store may hand out its own array instead of a copy
   * (`MemoryStore` does, so that no event copies its whole session), and then never changes that array again (a
   * new record makes a new array). So it stays the session as of this event, however many events follow; the
   * caller must not modify it.
   */
  records: SessionEventRecord[] | null;
}

/**
 * A store for de-duplication claims and call sessions (`MemoryStore`, `RedisStore`, or your own). What CallEvents
 * relies on:
 * - `record` is atomic: two processes recording the same key at once get `claimed: true` exactly once, and a
 *   session record is added only with a claim (or when there is no key);
 * - a session keeps the first record given under each id (a redelivery adds nothing), a bounded number of them
 *   (the built-in stores keep the first 64), and expires `ttlMs` after its last record; a claim after its `ttlMs`
 *   (at the earliest: `MemoryStore` keeps a call's claims together, until `ttlMs` after the call's latest claim);
 * - a store may forget a claim early to stay bounded (`MemoryStore` forgets least recently written calls whole),
 *   which costs that event its de-duplication, never its handlers;
 * - no call hangs: each rejects after the store's own timeout. A rejection costs only de-duplication for that
 *   event (handlers still run, the error goes to `onError`).
 */
export interface CallStore {
  /** Claims the key (when given) and, if claimed, records the session event. */
  record(request: StoreRecordRequest): Promise<StoreRecordResult>;
  /**
   * `record` for a store that answers without waiting (an in-process one, like `MemoryStore`): when present,
   * CallEvents calls it instead, with the time in epoch milliseconds, and spends no turn of the event loop on it.
   */
  recordSync?(request: StoreRecordRequest, now: number): StoreRecordResult;
  /** Gives up a claim (handlers failed), so a redelivery of the event runs them again. */
  release(key: string): Promise<void>;
  /** A call's session records; empty when the call is unknown or expired. */
  sessionRecords(uid: string): Promise<SessionEventRecord[]>;
}
