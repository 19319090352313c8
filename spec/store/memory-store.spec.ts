// MemoryStore, the default store: one entry per call holds the call's claims and its session, so a redelivery is a
// duplicate for as long as the call is remembered; bounded in calls (maxEntries) and in events held (maxEvents),
// least recently written calls forgotten whole; claims and sessions expire after their TTLs.

import fc from 'fast-check';

import { MemoryStore, type SessionEventRecord, type StoreRecordRequest } from '../../lib';

const MINUTE_MS = 60_000;

function sessionRecord(at: number, name: SessionEventRecord['name'] = 'incoming_call'): SessionEventRecord {
  return { name, callState: name === 'unknown' ? 8 : 1, at, receivedAt: at + 500, status: null, agent: null };
}

interface RequestOptions {
  record?: SessionEventRecord;
  claimTtlMs?: number;
  sessionTtlMs?: number;
}

function request(
  key: string | null,
  uid: string | null,
  { record = sessionRecord(0), claimTtlMs = MINUTE_MS, sessionTtlMs = MINUTE_MS }: RequestOptions = {},
): StoreRecordRequest {
  return {
    dedupe: key === null ? null : { key, ttlMs: claimTtlMs },
    session: uid === null ? null : { uid, id: `${record.name}:${record.at}`, record, ttlMs: sessionTtlMs },
  };
}

/** The request CallEvents makes for event `index` of a call: the default key `<uid>:<name>:<state>`. */
function callEvent(uid: string, index: number, options: Omit<RequestOptions, 'record'> = {}): StoreRecordRequest {
  return request(`${uid}:unknown:${index}`, uid, { ...options, record: sessionRecord(index, 'unknown') });
}

/** Records a whole call of `events` events at `now`. */
function recordCall(store: MemoryStore, uid: string, events: number, now = 0): void {
  for (let index = 0; index < events; index++) store.recordSync(callEvent(uid, index), now);
}

/**
 * Whether a redelivery of the call's event `index` would run its handlers again: the store claims its key anew
 * (made without a session, and given back at once, so that the check leaves no session behind).
 */
function claimable(store: MemoryStore, uid: string, index: number, now = 0): boolean {
  const key = `${uid}:unknown:${index}`;
  const claimed = store.recordSync(request(key, null), now).claimed;
  if (claimed) void store.release(key);
  return claimed;
}

function expectOptionError(create: () => unknown, fragment: string): void {
  expect(create).toThrow(TypeError);
  expect(create).toThrow(`[myoperator-webhooks] MemoryStore: ${fragment}`);
}

describe('MemoryStore', () => {
  // recordSync() is given its time; record() and sessionRecords() read the clock: both start at 0.
  beforeEach(() => {
    jest.spyOn(Date, 'now').mockReturnValue(0);
  });

  afterEach(() => {
    jest.restoreAllMocks();
  });

  describe('options', () => {
    it.each([
      ['a zero maxEntries', { maxEntries: 0 }, '"maxEntries" must be an integer >= 1'],
      ['a negative maxEntries', { maxEntries: -5 }, '"maxEntries" must be an integer >= 1'],
      ['a fractional maxEntries', { maxEntries: 2.5 }, '"maxEntries" must be an integer >= 1'],
      ['a NaN maxEntries', { maxEntries: Number.NaN }, '"maxEntries" must be an integer >= 1'],
      ['an infinite maxEntries', { maxEntries: Number.POSITIVE_INFINITY }, '"maxEntries" must be an integer >= 1'],
      ['a string maxEntries', { maxEntries: '100' }, '"maxEntries" must be an integer >= 1, got a string'],
      ['a null maxEntries', { maxEntries: null }, '"maxEntries" must be an integer >= 1, got null'],
      ['a huge maxEntries', { maxEntries: 10_000_001 }, '"maxEntries" must be at most 10000000'],
      ['a zero maxEvents', { maxEvents: 0 }, '"maxEvents" must be an integer >= 1'],
      ['a fractional maxEvents', { maxEvents: 1.5 }, '"maxEvents" must be an integer >= 1'],
      ['a string maxEvents', { maxEvents: '250000' }, '"maxEvents" must be an integer >= 1, got a string'],
      ['a huge maxEvents', { maxEvents: 100_000_001 }, '"maxEvents" must be at most 100000000'],
      ['a misspelt option', { maxEntry: 10 }, 'unknown option "maxEntry" (known options: maxEntries, maxEvents)'],
      ['options that are a string', 'big', 'options must be an object, got a string'],
      ['options that are null', null, 'options must be an object, got null'],
      ['options that are an array', [], 'options must be an object, got an array'],
    ])('throws a TypeError for %s', (_label, options, fragment) => {
      expectOptionError(() => new MemoryStore(options as never), fragment);
    });

    it.each([
      ['no options', undefined],
      ['{}', {}],
      ['Object.create(null)', Object.create(null) as object],
      ['{ maxEntries: undefined, maxEvents: undefined }', { maxEntries: undefined, maxEvents: undefined }],
      ['{ x: undefined }', { x: undefined }],
    ])('remembers 50000 calls and 250000 events by default, given %s', (_label, options) => {
      const store = new MemoryStore(options);
      expect([store.maxEntries, store.maxEvents]).toEqual([50_000, 250_000]);
    });

    it('reads both bounds, and leaves the caller’s object as it was', () => {
      const options = Object.freeze({ maxEntries: 10, maxEvents: 40 });
      const store = new MemoryStore(options);
      expect([store.maxEntries, store.maxEvents]).toEqual([10, 40]);
      expect(options).toEqual({ maxEntries: 10, maxEvents: 40 });
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
      expect(result.records![0]).toBe(first);
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
      for (let at = 0; at < 80; at++) {
        await store.record(request(null, 'flood', { record: sessionRecord(at, 'unknown') }));
      }
      const records = await store.sessionRecords('flood');
      expect(records.map((record) => record.at)).toEqual(Array.from({ length: 64 }, (_, at) => at));
    });

    it('hands out each session as of its event: a later event makes a new array and leaves the old one as it was', () => {
      const store = new MemoryStore();
      const first = store.recordSync(callEvent('uid', 0), 0).records!;
      const second = store.recordSync(callEvent('uid', 1), 0).records!;
      expect(first.map((record) => record.at)).toEqual([0]);
      expect(second.map((record) => record.at)).toEqual([0, 1]);
      expect(second).not.toBe(first);
    });

    it('gives a copy from sessionRecords(), so changing it changes nothing in the store', async () => {
      const store = new MemoryStore();
      recordCall(store, 'uid', 2);
      (await store.sessionRecords('uid')).length = 0;
      expect(await store.sessionRecords('uid')).toHaveLength(2);
    });

    it.each([
      ['a v2 event id', 'v2:4f1c-0001'],
      ['a custom key', 'caller:+919876543210'],
      ['a key that starts with the other call’s uid', 'call-a:incoming_call:1'],
      ['a hashed key', `long:${'x'.repeat(300)}`],
    ])('claims %s once, whichever call it comes with', (_label, key) => {
      const store = new MemoryStore();
      expect(store.recordSync(request(key, 'call-a'), 0).claimed).toBe(true);
      expect(store.recordSync(request(key, 'call-b'), 0)).toEqual({ claimed: false, records: null });
      expect(store.recordSync(request(key, null), 0).claimed).toBe(false);
      expect(store.size).toEqual({ claims: 1, sessions: 1 });
    });

    it('claims a key made without a session once, also when it comes again with one', () => {
      const store = new MemoryStore();
      expect(store.recordSync(request('call-a:incoming_call:1', null), 0).claimed).toBe(true);
      expect(store.recordSync(request('call-a:incoming_call:1', 'call-a'), 0).claimed).toBe(false);
      expect(store.size).toEqual({ claims: 1, sessions: 0 });
    });

    it('claims keys of a uid that holds a ":" once', () => {
      const store = new MemoryStore();
      const key = 'node:7:call:incoming_call:1';
      expect(store.recordSync(request(key, 'node:7:call'), 0).claimed).toBe(true);
      expect(store.recordSync(request(key, 'node:7:call'), 0).claimed).toBe(false);
      expect(store.recordSync(request(key, 'node'), 0).claimed).toBe(false);
    });

    it('keeps a very long uid or key as a short hash, and tells apart two that share their first 200 characters', async () => {
      const store = new MemoryStore();
      const common = 'u'.repeat(250);
      const [one, two] = [`${common}-1`, `${common}-2`];
      expect(store.recordSync(request(`${one}:k`, one), 0).claimed).toBe(true);
      expect(store.recordSync(request(`${two}:k`, two), 0).claimed).toBe(true);
      expect(store.recordSync(request(`${one}:k`, one), 0).claimed).toBe(false);
      expect(await store.sessionRecords(one)).toHaveLength(1);
      expect(store.usage).toEqual({ calls: 2, events: 2 });
    });
  });

  describe('one horizon for a call’s claims and its session', () => {
    it('answers a redelivery of a call’s first event as a duplicate as long as the call is remembered', async () => {
      // The default store, calls of five events: before, 50000 claims covered only the last 10000 calls.
      const store = new MemoryStore();
      recordCall(store, 'early', 5);
      for (let call = 1; call < store.maxEntries; call++) recordCall(store, `later-${call}`, 5);
      expect(store.usage).toEqual({ calls: 50_000, events: 250_000 });
      expect(claimable(store, 'early', 0)).toBe(false);
      expect(await store.sessionRecords('early')).toHaveLength(5);

      // One call more: the least recently written call, 'early', goes whole, and only it.
      recordCall(store, 'one-more', 5);
      expect(claimable(store, 'later-1', 0)).toBe(false);
      expect(await store.sessionRecords('early')).toEqual([]);
      expect(claimable(store, 'early', 0)).toBe(true);
    });

    it('forgets the call’s claims with its session when it is evicted, not before', async () => {
      const store = new MemoryStore({ maxEntries: 2 });
      recordCall(store, 'a', 3);
      recordCall(store, 'b', 3);
      expect([claimable(store, 'a', 2), (await store.sessionRecords('a')).length]).toEqual([false, 3]);
      recordCall(store, 'c', 3);
      expect([claimable(store, 'a', 0), claimable(store, 'a', 2), await store.sessionRecords('a')]).toEqual([
        true,
        true,
        [],
      ]);
    });
  });

  describe('when full', () => {
    it('remembers at most maxEntries calls, forgetting the least recently written first', async () => {
      jest.spyOn(Date, 'now').mockReturnValue(0);
      const store = new MemoryStore({ maxEntries: 3 });
      for (const uid of ['one', 'two', 'three']) recordCall(store, uid, 2);
      store.recordSync(callEvent('one', 2), 0); // written to: now the newest
      recordCall(store, 'four', 2);
      expect(store.usage.calls).toBe(3);
      expect(await store.sessionRecords('two')).toEqual([]);
      expect(claimable(store, 'two', 0)).toBe(true);
      expect(await store.sessionRecords('one')).toHaveLength(3);
      expect(claimable(store, 'one', 0)).toBe(false);
    });

    it('holds at most maxEvents events, forgetting whole calls, least recently written first', async () => {
      jest.spyOn(Date, 'now').mockReturnValue(0);
      const store = new MemoryStore({ maxEvents: 10 });
      recordCall(store, 'a', 4);
      recordCall(store, 'b', 4);
      store.recordSync(callEvent('a', 4), 0); // 'a' written last: 'b' is now the least recently written
      expect(store.usage).toEqual({ calls: 2, events: 9 });
      recordCall(store, 'c', 4);
      expect(store.usage).toEqual({ calls: 2, events: 9 });
      expect(await store.sessionRecords('b')).toEqual([]);
      expect((await store.sessionRecords('a')).length).toBe(5);
      expect(claimable(store, 'a', 0)).toBe(false);
      expect([claimable(store, 'b', 0), claimable(store, 'b', 3)]).toEqual([true, true]);
    });

    it('counts a call of many events by its events, whatever its number of calls', () => {
      const store = new MemoryStore({ maxEntries: 1000, maxEvents: 640 });
      for (let call = 0; call < 50; call++) recordCall(store, `big-${call}`, 64);
      expect(store.usage).toEqual({ calls: 10, events: 640 });
      expect(store.size).toEqual({ claims: 640, sessions: 10 });
    });

    it('stays within maxEvents under a flood of distinct events under one uid, forgetting the flood whole', () => {
      const store = new MemoryStore({ maxEvents: 100 });
      recordCall(store, 'quiet', 3);
      let most = 0;
      for (let index = 0; index < 1000; index++) {
        store.recordSync(request(`flood:${index}`, 'flood', { record: sessionRecord(index, 'unknown') }), 0);
        most = Math.max(most, store.usage.events, store.size.claims);
      }
      expect(most).toBe(100);
      expect(claimable(store, 'quiet', 0)).toBe(true);
      // The flood's latest events are still remembered (it restarted after being forgotten at 100 events).
      expect(store.recordSync(request('flood:999', 'flood'), 0).claimed).toBe(false);
    });

    it('bounds claims made without a session by maxEvents too, least recently written first', () => {
      const store = new MemoryStore({ maxEvents: 3 });
      for (const key of ['a', 'b', 'c', 'd', 'e']) store.recordSync(request(key, null), 0);
      expect(store.size.claims).toBe(3);
      expect(['c', 'd', 'e'].map((key) => store.recordSync(request(key, null), 0).claimed)).toEqual([
        false,
        false,
        false,
      ]);
      expect(['a', 'b'].map((key) => store.recordSync(request(key, null), 0).claimed)).toEqual([true, true]);
    });

    it('forgets claims made without a session and calls in the order they were written', async () => {
      const store = new MemoryStore({ maxEvents: 4 });
      store.recordSync(request('loose-1', null), 0);
      recordCall(store, 'call', 2);
      store.recordSync(request('loose-2', null), 0);
      store.recordSync(request('loose-3', null), 0); // 5 events: 'loose-1', the oldest, goes
      expect(store.recordSync(request('loose-1', null), 0).claimed).toBe(true); // 5 again: the call goes
      expect(await store.sessionRecords('call')).toEqual([]);
      expect(store.recordSync(request('loose-2', null), 0).claimed).toBe(false);
    });

    it('puts an expired session that starts again at the back of the line', async () => {
      jest.spyOn(Date, 'now').mockReturnValue(1000);
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

    it('keeps a call’s claims together, until the TTL after its latest claim', () => {
      const store = new MemoryStore();
      store.recordSync(callEvent('uid', 0, { claimTtlMs: 1000 }), 0);
      store.recordSync(callEvent('uid', 1, { claimTtlMs: 1000 }), 500);
      expect([claimable(store, 'uid', 0, 1499), claimable(store, 'uid', 1, 1499)]).toEqual([false, false]);
      expect([claimable(store, 'uid', 0, 1500), claimable(store, 'uid', 1, 1500)]).toEqual([true, true]);
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
      expect(store.usage).toEqual({ calls: 0, events: 0 });
    });

    it('keeps a call while its claims live after its session expired, and answers redeliveries as duplicates', async () => {
      const now = jest.spyOn(Date, 'now').mockReturnValue(0);
      const store = new MemoryStore();
      store.recordSync(callEvent('uid', 0, { claimTtlMs: 10_000, sessionTtlMs: 100 }), 0);
      now.mockReturnValue(5000);
      expect(await store.sessionRecords('uid')).toEqual([]);
      expect(store.usage).toEqual({ calls: 1, events: 1 });
      expect(claimable(store, 'uid', 0, 5000)).toBe(false);
      // A new event of the call starts a new session next to the claims that live on (all until 10000).
      const records = store.recordSync(callEvent('uid', 1, { claimTtlMs: 5000 }), 5000).records!;
      expect(records.map((record) => record.at)).toEqual([1]);
      expect(claimable(store, 'uid', 0, 9999)).toBe(false);
      expect(claimable(store, 'uid', 0, 10_000)).toBe(true);
    });

    it('keeps a call’s session after its claims expired, and claims its events again', async () => {
      jest.spyOn(Date, 'now').mockReturnValue(5000);
      const store = new MemoryStore();
      store.recordSync(callEvent('uid', 0, { claimTtlMs: 100, sessionTtlMs: 10_000 }), 0);
      expect(await store.sessionRecords('uid')).toHaveLength(1);
      expect(store.recordSync(callEvent('uid', 0), 5000)).toEqual({
        claimed: true,
        records: [sessionRecord(0, 'unknown')],
      });
      expect(store.size).toEqual({ claims: 1, sessions: 1 });
    });

    it('drops expired calls and claims as new ones come, without waiting to be full', () => {
      const store = new MemoryStore();
      for (const key of ['a', 'b', 'c']) store.recordSync(request(key, key, { claimTtlMs: 100, sessionTtlMs: 100 }), 0);
      store.recordSync(request('loose', null, { claimTtlMs: 100 }), 0);
      expect(store.size).toEqual({ claims: 4, sessions: 3 });
      store.recordSync(request('d', 'd'), 200);
      store.recordSync(request('e', 'e'), 200);
      expect(store.size).toEqual({ claims: 2, sessions: 2 });
      expect(store.usage).toEqual({ calls: 2, events: 2 });
    });
  });

  describe('release()', () => {
    it.each([
      ['a claim made without a session', 'k', null],
      ['a call’s claim under the default key', 'uid:incoming_call:1', 'uid'],
      ['a call’s claim under another key', 'v2:4f1c-0001', 'uid'],
      ['a claim of a uid that holds a ":"', 'n:1:incoming_call:1', 'n:1'],
    ])('gives back %s, so the event can be claimed again', async (_label, key, uid) => {
      const store = new MemoryStore();
      await store.record(request(key, uid));
      await store.record(request(`${key}-other`, uid));
      await store.release(key);
      expect(store.size.claims).toBe(1);
      expect((await store.record(request(key, uid))).claimed).toBe(true);
      expect((await store.record(request(`${key}-other`, uid))).claimed).toBe(false);
    });

    it('keeps the call’s session and its other claims', async () => {
      const store = new MemoryStore();
      recordCall(store, 'uid', 3);
      await store.release('uid:unknown:1');
      await store.release('uid:unknown:404');
      expect(await store.sessionRecords('uid')).toHaveLength(3);
      expect([claimable(store, 'uid', 0), claimable(store, 'uid', 1), claimable(store, 'uid', 2)]).toEqual([
        false,
        true,
        false,
      ]);
    });
  });

  describe('clear()', () => {
    it('drops every call and claim', async () => {
      const store = new MemoryStore();
      await store.record(request('k', 'uid'));
      await store.record(request('loose', null));
      store.clear();
      expect(store.size).toEqual({ claims: 0, sessions: 0 });
      expect(store.usage).toEqual({ calls: 0, events: 0 });
      expect((await store.record(request('k', null))).claimed).toBe(true);
      expect(await store.sessionRecords('uid')).toEqual([]);
    });
  });

  describe('against a model (random requests)', () => {
    // Uids with and without ':', and keys of every form: the default `<uid>:<name>:<state>`, v2's, custom ones,
    // keys that start with another call's uid, and over-long ones.
    const uids = ['a', 'b', 'a:b', 'n2.1.1', 'u'.repeat(201)];
    const key = fc.oneof(
      fc
        .tuple(fc.constantFrom(...uids), fc.constantFrom('incoming_call:1', 'unknown:8', 'x'))
        .map(([u, s]) => `${u}:${s}`),
      fc.constantFrom('v2:e-1', 'v2:e-2', 'b', 'a:b:x', ':x', `${'k'.repeat(201)}:1`),
    );
    const operation = fc.oneof(
      fc.record({
        kind: fc.constant('record' as const),
        key: fc.option(key),
        uid: fc.option(fc.constantFrom(...uids)),
      }),
      fc.record({ kind: fc.constant('release' as const), key }),
    );

    it('claims every key once until it is released, wherever the store holds it (unbounded, no TTL)', () => {
      fc.assert(
        fc.property(fc.array(operation, { maxLength: 60 }), (operations) => {
          const store = new MemoryStore();
          const claimed = new Set<string>();
          for (const op of operations) {
            if (op.kind === 'release') {
              void store.release(op.key);
              claimed.delete(op.key);
              continue;
            }
            const result = store.recordSync(request(op.key, op.uid), 0);
            const expected = op.key === null || !claimed.has(op.key);
            if (result.claimed !== expected) return false;
            if (op.key !== null) claimed.add(op.key);
          }
          return store.size.claims === claimed.size;
        }),
        { numRuns: 500 },
      );
    });

    it('never holds more than maxEntries calls or maxEvents events, and counts what it holds', () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 4 }),
          fc.integer({ min: 1, max: 8 }),
          fc.array(fc.tuple(operation, fc.integer({ min: 0, max: 3 })), { maxLength: 80 }),
          (maxEntries, maxEvents, operations) => {
            const store = new MemoryStore({ maxEntries, maxEvents });
            let now = 0;
            for (const [op, step] of operations) {
              now += step * 400; // TTLs of a minute: some entries expire on the way
              if (op.kind === 'release') void store.release(op.key);
              else store.recordSync(request(op.key, op.uid, { record: sessionRecord(now) }), now);
              const { calls, events } = store.usage;
              const { claims, sessions } = store.size;
              if (calls > maxEntries || events > maxEvents || claims > maxEvents || sessions > calls) return false;
              if (Math.min(calls, events, claims, sessions) < 0) return false;
            }
            store.clear();
            return store.usage.events === 0 && store.size.claims === 0;
          },
        ),
        { numRuns: 500 },
      );
    });
  });
});
