// MemoryStore: the default CallStore, for one process. Bounded: past `maxEntries` the least recently used
// claims and sessions are evicted, and every entry expires after its TTL, so memory stays flat.

import { optionError, readOptions, integerOption } from '../core/options';
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
   * The most claims, and the most call sessions, kept at once (each counted on its own); past it the least
   * recently written go first. A call makes about five claims and one session.
   * @default 50000
   */
  maxEntries?: number;
}

/** How many expired entries at the head of each map one `record` removes (a little work per call, never a scan). */
const SWEEP_PER_RECORD = 4;

interface SessionEntry {
  expiresAt: number;
  records: Map<string, SessionEventRecord>;
}

interface Link<K, V> {
  readonly key: K;
  value: V;
  older: Link<K, V> | null;
  newer: Link<K, V> | null;
}

/**
 * A Map that also reaches its oldest entry in O(1). A plain Map iterates in insertion order, but its first entry
 * (`keys().next()`, `for...of`) is found by walking every slot that earlier deletions left empty at the front
 * until V8 compacts the table: once the store is full, thousands of slots on every call (bench/micro/store.ts
 * profiled 64% of its time there). Here the entries are also linked oldest to newest.
 */
class InsertionOrderMap<K, V> {
  readonly #links = new Map<K, Link<K, V>>();
  #oldest: Link<K, V> | null = null;
  #newest: Link<K, V> | null = null;

  get size(): number {
    return this.#links.size;
  }

  get(key: K): V | undefined {
    return this.#links.get(key)?.value;
  }

  /** As `Map#set`: a new key goes last, an existing one keeps its place. */
  set(key: K, value: V): void {
    const existing = this.#links.get(key);
    if (existing) {
      existing.value = value;
      return;
    }
    const link: Link<K, V> = { key, value, older: this.#newest, newer: null };
    if (this.#newest) this.#newest.newer = link;
    else this.#oldest = link;
    this.#newest = link;
    this.#links.set(key, link);
  }

  /**
   * Sets the value and makes the entry the newest: as `delete(key)` then `set(key, value)`, but an existing key
   * is only relinked, without touching the hash table.
   */
  setNewest(key: K, value: V): void {
    const existing = this.#links.get(key);
    if (!existing) {
      this.set(key, value);
      return;
    }
    existing.value = value;
    if (existing === this.#newest) return;
    this.#unlink(existing);
    existing.older = this.#newest;
    existing.newer = null;
    if (this.#newest) this.#newest.newer = existing;
    else this.#oldest = existing;
    this.#newest = existing;
  }

  delete(key: K): boolean {
    const link = this.#links.get(key);
    if (!link) return false;
    this.#links.delete(key);
    this.#unlink(link);
    return true;
  }

  /** The least recently inserted entry. */
  oldest(): { readonly key: K; readonly value: V } | null {
    return this.#oldest;
  }

  /** Removes the least recently inserted entry. */
  deleteOldest(): void {
    const link = this.#oldest;
    if (!link) return;
    this.#links.delete(link.key);
    this.#unlink(link);
  }

  #unlink(link: Link<K, V>): void {
    if (link.older) link.older.newer = link.newer;
    else this.#oldest = link.newer;
    if (link.newer) link.newer.older = link.older;
    else this.#newest = link.older;
  }

  clear(): void {
    this.#links.clear();
    this.#oldest = null;
    this.#newest = null;
  }
}

/**
 * Drops expired entries from the head of a map (the least recently written), so that a quiet process frees what
 * it no longer needs instead of holding it until `maxEntries` pushes it out.
 */
function sweepExpired<K, V>(map: InsertionOrderMap<K, V>, expiresAt: (value: V) => number, now: number): void {
  let budget = SWEEP_PER_RECORD;
  for (let oldest = map.oldest(); oldest !== null; oldest = map.oldest()) {
    if (budget-- === 0 || expiresAt(oldest.value) > now) return;
    map.deleteOldest();
  }
}

function evictOldest<K, V>(map: InsertionOrderMap<K, V>, maxEntries: number): void {
  while (map.size > maxEntries && map.oldest() !== null) map.deleteOldest();
}

/**
 * The default in-process store: for an app on one machine (several processes need a shared store such as
 * `RedisStore`). Every entry expires after its TTL, and at most `maxEntries` claims and `maxEntries` sessions
 * (of at most 64 events each) are held, so memory stays flat however many calls go through.
 *
 * @example
 * const calls = new CallEvents({ store: new MemoryStore({ maxEntries: 100_000 }) });
 */
export class MemoryStore implements CallStore {
  readonly maxEntries: number;
  readonly #claims = new InsertionOrderMap<string, number>();
  readonly #sessions = new InsertionOrderMap<string, SessionEntry>();

  constructor(options: Readonly<MemoryStoreOptions> = {}) {
    const record = readOptions('MemoryStore', options, ['maxEntries']);
    this.maxEntries = integerOption('MemoryStore', 'maxEntries', record.maxEntries, 50_000, 1);
    if (this.maxEntries > 10_000_000) throw optionError('MemoryStore', '"maxEntries" must be at most 10000000');
  }

  /** How many claims and sessions are held (for tests and monitoring). */
  get size(): { claims: number; sessions: number } {
    return { claims: this.#claims.size, sessions: this.#sessions.size };
  }

  record(request: StoreRecordRequest): Promise<StoreRecordResult> {
    return Promise.resolve(this.recordSync(request, Date.now()));
  }

  /** `record` without the promise; `now` in epoch ms. */
  recordSync({ dedupe, session }: StoreRecordRequest, now: number): StoreRecordResult {
    sweepExpired(this.#claims, (expiresAt) => expiresAt, now);
    sweepExpired(this.#sessions, (entry) => entry.expiresAt, now);
    if (dedupe) {
      const key = compactKey(dedupe.key);
      const expiresAt = this.#claims.get(key);
      if (expiresAt !== undefined && expiresAt > now) return { claimed: false, records: null };
      this.#claims.setNewest(key, now + dedupe.ttlMs);
      evictOldest(this.#claims, this.maxEntries);
    }
    if (!session) return { claimed: true, records: null };
    const uid = compactKey(session.uid);
    let entry = this.#sessions.get(uid);
    if (entry === undefined || entry.expiresAt <= now) entry = { expiresAt: 0, records: new Map() };
    if (!entry.records.has(session.id) && entry.records.size < MAX_SESSION_RECORDS) {
      entry.records.set(session.id, session.record);
    }
    entry.expiresAt = now + session.ttlMs;
    // Made the newest, so that the order stays "least recently written first" (a plain `set` of an existing key
    // would leave it where it was, first in line for eviction).
    this.#sessions.setNewest(uid, entry);
    evictOldest(this.#sessions, this.maxEntries);
    return { claimed: true, records: [...entry.records.values()] };
  }

  release(key: string): Promise<void> {
    this.#claims.delete(compactKey(key));
    return Promise.resolve();
  }

  sessionRecords(uid: string): Promise<SessionEventRecord[]> {
    const key = compactKey(uid);
    const entry = this.#sessions.get(key);
    if (entry === undefined) return Promise.resolve([]);
    if (entry.expiresAt <= Date.now()) {
      this.#sessions.delete(key);
      return Promise.resolve([]);
    }
    return Promise.resolve([...entry.records.values()]);
  }

  /** Drops every claim and session. */
  clear(): void {
    this.#claims.clear();
    this.#sessions.clear();
  }
}
