// MemoryStore: the default CallStore, for one process. Bounded: past `maxEntries` the least recently used
// claims and sessions are evicted, and every entry expires after its TTL, so memory stays flat.

import { optionError, readOptions, integerOption } from '../options';
import type { SessionEventRecord } from '../session';
import type { CallStore, StoreRecordRequest, StoreRecordResult } from './call-store';

export interface MemoryStoreOptions {
  /**
   * The most claims, and the most call sessions, kept at once; the least recently used go first.
   * @default 50000
   */
  maxEntries?: number;
}

/** Most events kept per call: a call has about six; a flood under one uid cannot grow a session without bound. */
const MAX_SESSION_RECORDS = 64;

interface SessionEntry {
  expiresAt: number;
  records: Map<string, SessionEventRecord>;
}

function evictOldest<K, V>(map: Map<K, V>, maxEntries: number): void {
  while (map.size > maxEntries) {
    const oldest = map.keys().next();
    if (oldest.done === true) return;
    map.delete(oldest.value);
  }
}

/** The default in-process store. */
export class MemoryStore implements CallStore {
  readonly maxEntries: number;
  readonly #claims = new Map<string, number>();
  readonly #sessions = new Map<string, SessionEntry>();

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
    if (dedupe) {
      const expiresAt = this.#claims.get(dedupe.key);
      if (expiresAt !== undefined && expiresAt > now) return { claimed: false, records: null };
      this.#claims.delete(dedupe.key);
      this.#claims.set(dedupe.key, now + dedupe.ttlMs);
      evictOldest(this.#claims, this.maxEntries);
    }
    if (!session) return { claimed: true, records: null };
    let entry = this.#sessions.get(session.uid);
    if (entry === undefined || entry.expiresAt <= now) entry = { expiresAt: 0, records: new Map() };
    else this.#sessions.delete(session.uid); // re-inserted below: most recently used last
    if (!entry.records.has(session.id) && entry.records.size < MAX_SESSION_RECORDS) {
      entry.records.set(session.id, session.record);
    }
    entry.expiresAt = now + session.ttlMs;
    this.#sessions.set(session.uid, entry);
    evictOldest(this.#sessions, this.maxEntries);
    return { claimed: true, records: [...entry.records.values()] };
  }

  release(key: string): Promise<void> {
    this.#claims.delete(key);
    return Promise.resolve();
  }

  sessionRecords(uid: string): Promise<SessionEventRecord[]> {
    const entry = this.#sessions.get(uid);
    if (entry === undefined || entry.expiresAt <= Date.now()) return Promise.resolve([]);
    return Promise.resolve([...entry.records.values()]);
  }

  /** Drops every claim and session. */
  clear(): void {
    this.#claims.clear();
    this.#sessions.clear();
  }
}
