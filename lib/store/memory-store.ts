// MemoryStore: the default CallStore, for one process. One entry per call holds both the call's claims and its
// session records, so a redelivery is a duplicate for exactly as long as the call is remembered. Bounded in calls
// (`maxEntries`) and in events held (`maxEvents`), whatever the events per call: past either, the least recently
// written calls are forgotten whole. Web-standard only (it is part of the Fetch API entry).

import { integerOption, optionError, readOptions } from '../core/options';
import {
  MAX_SESSION_RECORDS,
  type CallStore,
  type SessionEventRecord,
  type StoreRecordRequest,
  type StoreRecordResult,
} from './call-store';
import { compactKey } from './compact-key';

export interface MemoryStoreOptions {
  /**
   * The most calls remembered at once, each with its claims and its session; past it the least recently written
   * call is forgotten whole (its redeliveries run their handlers again).
   * @default 50000
   */
  maxEntries?: number;
  /**
   * The most events held across all calls: the bound on memory, whatever the events per call. A call counts the
   * larger of its claims and its session records (an event usually brings one of each); a claim made without a
   * call (sessions off, or an event without a uid) counts one. Past it the least recently written calls are
   * forgotten whole. The default holds 50,000 calls of five events (four in-call events and the after-call log).
   * @default 250000
   */
  maxEvents?: number;
}

const FACTORY = 'MemoryStore';
const DEFAULT_MAX_ENTRIES = 50_000;
const DEFAULT_MAX_EVENTS = 250_000;
const MAX_MAX_ENTRIES = 10_000_000;
const MAX_MAX_EVENTS = 100_000_000;

/** How many expired entries at the head of the list one `record` removes (a little work per call, never a scan). */
const SWEEP_PER_RECORD = 4;

/**
 * How many claims a call keeps in its own list, as suffixes shared between calls. Past it (a flood of distinct
 * events under one uid), its claims go to the store's index, so that no event scans more than this many.
 */
const MAX_OWN_CLAIMS = MAX_SESSION_RECORDS;

/**
 * How many distinct claim suffixes (`incoming_call:1`...) the store shares between calls. A handful in practice;
 * bounded, so that a flood of made-up call states cannot grow the table: past it, new suffixes are not shared and
 * their claims go to the index.
 */
const MAX_SHARED_SUFFIXES = 1024;

/** The longest suffix shared: the default keys' are under 30 characters (`call_summary:`, `unknown:12`). */
const MAX_SHARED_SUFFIX_LENGTH = 64;

const NO_STRINGS: readonly string[] = Object.freeze([]);
const NO_RECORDS: readonly SessionEventRecord[] = Object.freeze([]);
const NOT_CLAIMED: StoreRecordResult = Object.freeze({ claimed: false, records: null });
const CLAIMED: StoreRecordResult = Object.freeze({ claimed: true, records: null });

/**
 * The string, flat. A string built by concatenation (`${uid}:${name}:${state}`) is, in V8, a tree of its pieces
 * that can weigh three times its characters; reading a character makes the engine flatten it in place, and its
 * garbage collector then keeps only the flat copy. Elsewhere, a read of one character.
 */
function flat(value: string): string {
  value.charCodeAt(0);
  return value;
}

/** A new array: `items` then `item`, exactly as long as that (a pushed-to array reserves 16 more slots). */
function appended<T>(items: readonly T[], item: T): T[] {
  const next = new Array<T>(items.length + 1);
  for (let index = 0; index < items.length; index++) next[index] = items[index] as T;
  next[items.length] = item;
  return next;
}

/** A new array without the item at `at`. */
function without<T>(items: readonly T[], at: number): T[] {
  return items.filter((_, index) => index !== at);
}

/** A node of the store's list, least recently written first: a call, or a claim made without one. */
type Written = CallEntry | LooseClaim;

abstract class Node {
  older: Written | null = null;
  newer: Written | null = null;
  /** When it may be forgotten: once everything it holds expired. */
  abstract expiresAt(): number;
}

/** One call: its claims and its session. */
class CallEntry extends Node {
  /** Claims whose key is `<uid>:<suffix>` (the default key), held as the suffix, one string shared by all calls. */
  claims: readonly string[] = NO_STRINGS;
  /** The call's other claims, held in the store's index (other keys, or more than MAX_OWN_CLAIMS): their keys. */
  indexed: string[] | null = null;
  /** The claims expire together, the de-duplication TTL after the call's latest claim. */
  claimsExpireAt = Number.NEGATIVE_INFINITY;
  /** The records' ids, in the records' order. */
  ids: readonly string[] = NO_STRINGS;
  /** Never changed once handed out: a new record makes a new array (see StoreRecordResult). */
  records: readonly SessionEventRecord[] = NO_RECORDS;
  sessionExpiresAt = Number.NEGATIVE_INFINITY;

  constructor(readonly uid: string) {
    super();
  }

  expiresAt(): number {
    return Math.max(this.claimsExpireAt, this.sessionExpiresAt);
  }

  get claimCount(): number {
    return this.claims.length + (this.indexed?.length ?? 0);
  }

  /** What it counts against `maxEvents`. */
  get weight(): number {
    return Math.max(this.claimCount, this.records.length);
  }
}

/** A claim made without a session (no uid, or sessions off): in the index only. */
class LooseClaim extends Node {
  constructor(
    readonly key: string,
    public claimExpiresAt: number,
  ) {
    super();
  }

  expiresAt(): number {
    return this.claimExpiresAt;
  }
}

/**
 * The default in-process store: for an app on one machine (several processes need a shared store such as
 * `RedisStore`). It remembers a call (its claims and its session together) until the call's TTLs expire or the
 * store is full: at most `maxEntries` calls and `maxEvents` events, least recently written calls forgotten
 * first, so memory stays bounded however many calls, and however many events per call, go through.
 *
 * Claims expire the de-duplication TTL after their call's latest claim, sessions the session TTL after their
 * call's latest record; a call is forgotten once both expired.
 *
 * @example
 * const calls = new CallEvents({ store: new MemoryStore({ maxEntries: 100_000, maxEvents: 500_000 }) });
 */
export class MemoryStore implements CallStore {
  /** The most calls remembered at once. */
  readonly maxEntries: number;
  /** The most events held across all calls. */
  readonly maxEvents: number;
  readonly #calls = new Map<string, CallEntry>();
  /** The claims not held in their call's own list, by key: the call that holds them, or the loose claim. */
  readonly #index = new Map<string, CallEntry | LooseClaim>();
  /** Claim suffixes shared between calls, each the one string every call holds. */
  readonly #suffixes = new Map<string, string>();
  #oldest: Written | null = null;
  #newest: Written | null = null;
  #events = 0;
  #claims = 0;
  #sessions = 0;

  constructor(options: Readonly<MemoryStoreOptions> = {}) {
    const record = readOptions(FACTORY, options, ['maxEntries', 'maxEvents']);
    this.maxEntries = integerOption(FACTORY, 'maxEntries', record.maxEntries, DEFAULT_MAX_ENTRIES, 1);
    if (this.maxEntries > MAX_MAX_ENTRIES) {
      throw optionError(FACTORY, `"maxEntries" must be at most ${MAX_MAX_ENTRIES}`);
    }
    this.maxEvents = integerOption(FACTORY, 'maxEvents', record.maxEvents, DEFAULT_MAX_EVENTS, 1);
    if (this.maxEvents > MAX_MAX_EVENTS) throw optionError(FACTORY, `"maxEvents" must be at most ${MAX_MAX_EVENTS}`);
  }

  /** How many claims are held, and how many calls with a session (for tests and monitoring). */
  get size(): { claims: number; sessions: number } {
    return { claims: this.#claims, sessions: this.#sessions };
  }

  /** What counts against the bounds: the calls remembered (`maxEntries`) and the events held (`maxEvents`). */
  get usage(): { calls: number; events: number } {
    return { calls: this.#calls.size, events: this.#events };
  }

  record(request: StoreRecordRequest): Promise<StoreRecordResult> {
    return Promise.resolve(this.recordSync(request, Date.now()));
  }

  /**
   * `record` without the promise (CallEvents calls it so: the store cannot hang); `now` in epoch ms. The records
   * it returns are the store's own array, never changed afterwards: read them, do not modify them.
   */
  recordSync({ dedupe, session }: StoreRecordRequest, now: number): StoreRecordResult {
    this.#sweep(now);
    const uid = session === null ? null : flat(compactKey(session.uid));
    let entry = uid === null ? undefined : this.#calls.get(uid);
    const weightBefore = entry?.weight ?? 0;

    let key: string | null = null;
    let suffix: string | null = null;
    if (dedupe !== null) {
      // The key as the call's own claim, `<uid>:<suffix>` read on the key as given (so a long uid's keys are own
      // too): the uid is the key up to its first ':', and is this event's uid, or another call's.
      const raw = dedupe.key;
      const colon = ownColon(raw);
      const own = session !== null && colon === session.uid.length && raw.startsWith(session.uid);
      const caller = own ? entry : colon === -1 ? undefined : this.#calls.get(compactKey(raw.slice(0, colon)));
      if (own || caller !== undefined) {
        const shared = this.#sharedSuffix(raw.slice(colon + 1), own);
        if (caller !== undefined && shared !== null && caller.claimsExpireAt > now && caller.claims.includes(shared)) {
          return NOT_CLAIMED;
        }
        if (own) suffix = shared;
      }
      key = compactKey(raw);
      // (An empty index, the rule with the default keys of in-call events, is not asked: that costs a hash.)
      const holder = this.#index.size === 0 ? undefined : this.#index.get(key);
      if (holder !== undefined && claimExpiry(holder) > now) return NOT_CLAIMED;
      if (uid === null) {
        this.#claimLoose(flat(key), holder, now + dedupe.ttlMs);
        return CLAIMED;
      }
    }
    if (uid === null || session === null) return CLAIMED;

    if (entry === undefined) {
      entry = new CallEntry(uid);
      this.#calls.set(uid, entry);
    }
    if (dedupe !== null && key !== null) {
      if (entry.claimsExpireAt <= now) this.#dropClaims(entry);
      if (suffix !== null && entry.claims.length < MAX_OWN_CLAIMS) {
        entry.claims = appended(entry.claims, suffix);
      } else {
        const held = flat(key);
        (entry.indexed ??= []).push(held);
        this.#index.set(held, entry);
      }
      this.#claims++;
      entry.claimsExpireAt = Math.max(entry.claimsExpireAt, now + dedupe.ttlMs);
    }
    if (entry.sessionExpiresAt <= now) this.#dropRecords(entry);
    if (entry.records.length < MAX_SESSION_RECORDS && !entry.ids.includes(session.id)) {
      if (entry.records.length === 0) this.#sessions++;
      entry.ids = appended(entry.ids, flat(session.id));
      entry.records = appended(entry.records, session.record);
    }
    entry.sessionExpiresAt = now + session.ttlMs;
    // Made the newest, so that the order stays "least recently written first".
    this.#moveToNewest(entry);
    this.#events += entry.weight - weightBefore;
    const records = entry.records as SessionEventRecord[];
    this.#evictOverflow();
    return { claimed: true, records };
  }

  release(key: string): Promise<void> {
    const compact = compactKey(key);
    const holder = this.#index.get(compact);
    if (holder instanceof LooseClaim) this.#drop(holder);
    else if (holder !== undefined) this.#releaseIndexed(holder, compact);
    // A call's own claim: the key is `<uid>:<suffix>`, the uid up to the first ':'.
    const colon = ownColon(key);
    const entry = colon === -1 ? undefined : this.#calls.get(compactKey(key.slice(0, colon)));
    const shared = entry === undefined ? null : this.#sharedSuffix(key.slice(colon + 1), false);
    const at = entry === undefined || shared === null ? -1 : entry.claims.indexOf(shared);
    if (entry !== undefined && at !== -1) {
      const weight = entry.weight;
      entry.claims = without(entry.claims, at);
      this.#claims--;
      this.#events += entry.weight - weight;
    }
    return Promise.resolve();
  }

  /** A copy of the call's records: empty when the call is unknown or its session expired. */
  sessionRecords(uid: string): Promise<SessionEventRecord[]> {
    const entry = this.#calls.get(compactKey(uid));
    const now = Date.now();
    if (entry === undefined) return Promise.resolve([]);
    if (entry.expiresAt() <= now) {
      this.#drop(entry);
      return Promise.resolve([]);
    }
    if (entry.sessionExpiresAt <= now) {
      const weight = entry.weight;
      this.#dropRecords(entry);
      this.#events += entry.weight - weight;
      return Promise.resolve([]);
    }
    return Promise.resolve(entry.records.slice());
  }

  /** Drops every call and claim. */
  clear(): void {
    this.#calls.clear();
    this.#index.clear();
    this.#suffixes.clear();
    this.#oldest = null;
    this.#newest = null;
    this.#events = 0;
    this.#claims = 0;
    this.#sessions = 0;
  }

  /**
   * The one string all calls share for a claim suffix (`incoming_call:1`), or `null` when it has none: `share`
   * adds it to the table unless the table is full.
   */
  #sharedSuffix(suffix: string, share: boolean): string | null {
    const shared = this.#suffixes.get(suffix);
    if (shared !== undefined) return shared;
    if (!share || this.#suffixes.size >= MAX_SHARED_SUFFIXES) return null;
    // A slice may keep the whole key alive: the table keeps a copy of its own (the same UTF-16 code units).
    const copy = suffix.split('').join('');
    this.#suffixes.set(copy, copy);
    return copy;
  }

  #claimLoose(key: string, holder: CallEntry | LooseClaim | undefined, expiresAt: number): void {
    if (holder instanceof LooseClaim) {
      holder.claimExpiresAt = expiresAt;
      this.#moveToNewest(holder);
    } else {
      // An expired claim of a call is taken over; the call lets go of it when it next drops its claims.
      const claim = new LooseClaim(key, expiresAt);
      this.#index.set(key, claim);
      this.#moveToNewest(claim);
      this.#claims++;
      this.#events++;
    }
    this.#evictOverflow();
  }

  #releaseIndexed(entry: CallEntry, key: string): void {
    const indexed = entry.indexed;
    const at = indexed === null ? -1 : indexed.lastIndexOf(key); // a claim given back soon after it was made is last
    if (indexed === null || at === -1) return;
    const weight = entry.weight;
    indexed.splice(at, 1);
    this.#index.delete(key);
    this.#claims--;
    this.#events += entry.weight - weight;
  }

  /** Forgets a call's claims (they expired), keeping its session. The caller settles the weight. */
  #dropClaims(entry: CallEntry): void {
    this.#claims -= entry.claimCount;
    entry.claims = NO_STRINGS;
    const indexed = entry.indexed;
    if (indexed !== null) {
      for (const key of indexed) if (this.#index.get(key) === entry) this.#index.delete(key);
      entry.indexed = null;
    }
  }

  /** Forgets a call's session records (they expired). The caller settles the weight. */
  #dropRecords(entry: CallEntry): void {
    if (entry.records.length > 0) this.#sessions--;
    entry.ids = NO_STRINGS;
    entry.records = NO_RECORDS;
  }

  /** Forgets a node whole. */
  #drop(node: Written): void {
    this.#unlink(node);
    if (node instanceof LooseClaim) {
      if (this.#index.get(node.key) === node) this.#index.delete(node.key);
      this.#claims--;
      this.#events--;
      return;
    }
    this.#events -= node.weight;
    this.#dropClaims(node);
    this.#dropRecords(node);
    this.#calls.delete(node.uid);
  }

  /** Drops expired nodes from the head of the list, so that a quiet process frees what it no longer needs. */
  #sweep(now: number): void {
    for (let budget = SWEEP_PER_RECORD; budget > 0; budget--) {
      const oldest = this.#oldest;
      if (oldest === null || oldest.expiresAt() > now) return;
      this.#drop(oldest);
    }
  }

  /** Forgets the least recently written calls (and loose claims) while either bound is passed. */
  #evictOverflow(): void {
    while ((this.#calls.size > this.maxEntries || this.#events > this.maxEvents) && this.#oldest !== null) {
      this.#drop(this.#oldest);
    }
  }

  #moveToNewest(node: Written): void {
    if (node === this.#newest) return;
    if (node.older !== null || node.newer !== null || node === this.#oldest) this.#unlink(node);
    node.older = this.#newest;
    node.newer = null;
    if (this.#newest === null) this.#oldest = node;
    else this.#newest.newer = node;
    this.#newest = node;
  }

  #unlink(node: Written): void {
    if (node.older === null) {
      if (this.#oldest === node) this.#oldest = node.newer;
    } else node.older.newer = node.newer;
    if (node.newer === null) {
      if (this.#newest === node) this.#newest = node.older;
    } else node.newer.older = node.older;
    node.older = null;
    node.newer = null;
  }
}

/**
 * Where a key splits into a call's uid and a suffix the calls can share: its first ':', or -1 when it has none or
 * its suffix is too long to share (such a key is held in the index).
 */
function ownColon(key: string): number {
  const colon = key.indexOf(':');
  return colon === -1 || key.length - colon - 1 > MAX_SHARED_SUFFIX_LENGTH ? -1 : colon;
}

/** When the claim a node holds in the index expires. */
function claimExpiry(holder: CallEntry | LooseClaim): number {
  return holder instanceof LooseClaim ? holder.claimExpiresAt : holder.claimsExpireAt;
}
