// MemoryStore, the default store: claims once, keeps the first record per id, and stays bounded: at most
// `maxEntries` claims and sessions, least recently written out first, everything gone after its TTL.

import { MemoryStore, type SessionEventRecord, type StoreRecordRequest } from '../../lib';

function sessionRecord(at: number, name: SessionEventRecord['name'] = 'incoming_call'): SessionEventRecord {
  return { name, callState: name === 'unknown' ? 8 : 1, at, receivedAt: at + 500, status: null, agent: null };
}

function request(
  key: string | null,
  uid: string | null,
  { record = sessionRecord(0), claimTtlMs = 60_000, sessionTtlMs = 60_000 } = {},
): StoreRecordRequest {
  return {
    dedupe: key === null ? null : { key, ttlMs: claimTtlMs },
    session: uid === null ? null : { uid, id: `${record.name}:${record.at}`, record, ttlMs: sessionTtlMs },
  };
}

function expectOptionError(create: () => unknown, fragment: string): void {
  expect(create).toThrow(TypeError);
  expect(create).toThrow(`[myoperator-webhooks] MemoryStore: ${fragment}`);
}

describe('MemoryStore', () => {
  afterEach(() => {
    jest.restoreAllMocks();
  });

  describe('options', () => {
    it.each([
      ['a zero maxEntries', { maxEntries: 0 }, '"maxEntries"'],
      ['a fractional maxEntries', { maxEntries: 2.5 }, '"maxEntries"'],
      ['a string maxEntries', { maxEntries: '100' }, '"maxEntries"'],
      ['a huge maxEntries', { maxEntries: 10_000_001 }, '"maxEntries" must be at most'],
      ['a misspelt option', { maxEntry: 10 }, 'unknown option "maxEntry"'],
      ['options that are not an object', 'big', 'options must be an object'],
    ])('throws a TypeError for %s', (_label, options, fragment) => {
      expectOptionError(() => new MemoryStore(options as never), fragment);
    });

    it.each([
      ['no options', undefined],
      ['{}', {}],
      ['Object.create(null)', Object.create(null) as object],
      ['{ maxEntries: undefined }', { maxEntries: undefined }],
    ])('keeps 50000 entries by default, given %s', (_label, options) => {
      expect(new MemoryStore(options as never).maxEntries).toBe(50_000);
    });

    it('leaves the caller’s object as it was', () => {
      const options = Object.freeze({ maxEntries: 10 });
      expect(new MemoryStore(options).maxEntries).toBe(10);
      expect(options).toEqual({ maxEntries: 10 });
    });
  });

  describe('record()', () => {
    it('claims a key once', async () => {
      const store = new MemoryStore();
      expect(await store.record(request('k', null))).toEqual({ claimed: true, records: null });
      expect(await store.record(request('k', null))).toEqual({ claimed: false, records: null });
    });

    it('keeps the first record recorded under an id, and returns all of the call’s records', async () => {
      const store = new MemoryStore();
      const first = sessionRecord(1000);
      const redelivered = { ...first, receivedAt: 9999 };
      const later = sessionRecord(2000, 'call_finished');
      await store.record(request(null, 'uid', { record: first }));
      await store.record(request(null, 'uid', { record: redelivered }));
      const result = await store.record(request(null, 'uid', { record: later }));
      expect(result).toEqual({ claimed: true, records: [first, later] });
      expect(await store.sessionRecords('uid')).toEqual([first, later]);
    });

    it('does not record the session of an event that was already claimed', async () => {
      const store = new MemoryStore();
      await store.record(request('k', null));
      expect(await store.record(request('k', 'uid'))).toEqual({ claimed: false, records: null });
      expect(await store.sessionRecords('uid')).toEqual([]);
    });

    it('keeps at most 64 records per call', async () => {
      const store = new MemoryStore();
      for (let at = 0; at < 80; at++)
        await store.record(request(null, 'flood', { record: sessionRecord(at, 'unknown') }));
      const records = await store.sessionRecords('flood');
      expect(records.map((record) => record.at)).toEqual(Array.from({ length: 64 }, (_, at) => at));
    });
  });

  describe('when full', () => {
    it('holds at most maxEntries claims, forgetting the oldest first', () => {
      const store = new MemoryStore({ maxEntries: 3 });
      for (const key of ['a', 'b', 'c', 'd', 'e']) store.recordSync(request(key, null), 0);
      expect(store.size.claims).toBe(3);
      expect(['c', 'd', 'e'].map((key) => store.recordSync(request(key, null), 0).claimed)).toEqual([
        false,
        false,
        false,
      ]);
      expect(['a', 'b'].map((key) => store.recordSync(request(key, null), 0).claimed)).toEqual([true, true]);
    });

    it('holds at most maxEntries sessions, and a session written to moves to the back of the line', async () => {
      jest.spyOn(Date, 'now').mockReturnValue(0);
      const store = new MemoryStore({ maxEntries: 3 });
      for (const uid of ['one', 'two', 'three']) store.recordSync(request(null, uid), 0);
      store.recordSync(request(null, 'one', { record: sessionRecord(5, 'call_finished') }), 0);
      store.recordSync(request(null, 'four'), 0);
      expect(store.size.sessions).toBe(3);
      expect(await store.sessionRecords('two')).toEqual([]);
      expect(await store.sessionRecords('one')).toHaveLength(2);
    });

    it('puts an expired session that starts again at the back of the line', async () => {
      jest.spyOn(Date, 'now').mockReturnValue(10_000);
      const store = new MemoryStore({ maxEntries: 3 });
      store.recordSync(request(null, 'a'), 0);
      store.recordSync(request(null, 'b', { sessionTtlMs: 100 }), 0);
      store.recordSync(request(null, 'c'), 0);
      store.recordSync(request(null, 'b'), 1000); // expired at 100: starts afresh, now the newest
      store.recordSync(request(null, 'd'), 1000);
      store.recordSync(request(null, 'e'), 1000);
      expect(await store.sessionRecords('b')).toHaveLength(1);
      expect(await store.sessionRecords('c')).toEqual([]);
    });
  });

  describe('TTL', () => {
    it('lets a key be claimed again once its claim expired', () => {
      const store = new MemoryStore();
      store.recordSync(request('k', null, { claimTtlMs: 1000 }), 0);
      expect(store.recordSync(request('k', null), 999).claimed).toBe(false);
      expect(store.recordSync(request('k', null), 1000).claimed).toBe(true);
    });

    it('forgets a session its TTL after its last record', async () => {
      const now = jest.spyOn(Date, 'now').mockReturnValue(0);
      const store = new MemoryStore();
      await store.record(request(null, 'uid', { sessionTtlMs: 1000 }));
      now.mockReturnValue(500);
      await store.record(request(null, 'uid', { record: sessionRecord(1, 'call_finished'), sessionTtlMs: 1000 }));
      now.mockReturnValue(1499);
      expect(await store.sessionRecords('uid')).toHaveLength(2);
      now.mockReturnValue(1500);
      expect(await store.sessionRecords('uid')).toEqual([]);
      expect(store.size.sessions).toBe(0);
    });

    it('drops expired entries as new ones come, without waiting to be full', () => {
      const store = new MemoryStore();
      for (const key of ['a', 'b', 'c']) store.recordSync(request(key, key, { claimTtlMs: 100, sessionTtlMs: 100 }), 0);
      expect(store.size).toEqual({ claims: 3, sessions: 3 });
      store.recordSync(request('d', 'd'), 200);
      expect(store.size).toEqual({ claims: 1, sessions: 1 });
    });
  });

  describe('release()', () => {
    it('gives a claim back, so the event can be claimed again', async () => {
      const store = new MemoryStore();
      await store.record(request('k', null));
      await store.release('k');
      expect((await store.record(request('k', null))).claimed).toBe(true);
    });
  });

  describe('clear()', () => {
    it('drops every claim and session', async () => {
      const store = new MemoryStore();
      await store.record(request('k', 'uid'));
      store.clear();
      expect(store.size).toEqual({ claims: 0, sessions: 0 });
      expect((await store.record(request('k', null))).claimed).toBe(true);
    });
  });
});
