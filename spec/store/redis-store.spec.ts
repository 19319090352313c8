// RedisStore against a real redis-server, on ioredis 5 and on ioredis 6 (RESP3 by default, and with RESP3 reply
// mapping): atomic claims across clients, the session hash, key layout and TTLs, the script reloading after a
// flush, and what happens when Redis stalls or dies (a timeout, never a hang).

import { Cluster as Cluster5, Redis } from 'ioredis';
import { Cluster as Cluster6, Redis as Redis6 } from 'ioredis6';

import {
  CallEvents,
  MemoryStore,
  RedisStore,
  type RedisStoreClient,
  type SessionEventRecord,
  type StoreRecordRequest,
} from '../../lib';
import { buildCallEvent, buildInCallLog } from '../../lib/testing';
import { startRedis, type RedisServer } from '../helpers/redis-server';

const HOUR_MS = 3_600_000;

/** The store's client: an ioredis `Redis` of either major version. */
type Client = RedisStoreClient & {
  on(event: 'error', listener: () => void): unknown;
  disconnect(): void;
  call(command: string, ...args: string[]): Promise<unknown>;
};

interface ClientVersion {
  name: string;
  /** The RESP version the client speaks by default: 2 for ioredis 5, 3 for ioredis 6. */
  resp: number;
  create(url: string): Client;
  cluster(): { isCluster: boolean; disconnect(): void };
}

const VERSIONS: readonly ClientVersion[] = [
  {
    name: 'ioredis 5',
    resp: 2,
    create: (url) => new Redis(url),
    cluster: () => new Cluster5([{ host: '127.0.0.1', port: 1 }], { lazyConnect: true }),
  },
  {
    name: 'ioredis 6',
    resp: 3,
    create: (url) => new Redis6(url),
    cluster: () => new Cluster6([{ host: '127.0.0.1', port: 1 }], { lazyConnect: true }),
  },
  {
    name: 'ioredis 6 with RESP3 replies',
    resp: 3,
    create: (url) => new Redis6(url, { replyMapping: 'resp3' }),
    cluster: () => new Cluster6([{ host: '127.0.0.1', port: 1 }], { lazyConnect: true }),
  },
];

/** The test's own view of Redis (ioredis 5, whatever the store's client is). */
function connectAdmin(server: RedisServer): Redis {
  const client = new Redis(server.url);
  client.on('error', () => {});
  return client;
}

function sessionRecord(overrides: Partial<SessionEventRecord> = {}): SessionEventRecord {
  return {
    name: 'incoming_call',
    callState: 1,
    at: Date.UTC(2020, 7, 1, 8, 35, 56),
    receivedAt: Date.UTC(2020, 7, 1, 8, 35, 57),
    status: null,
    agent: null,
    ...overrides,
  };
}

function request(key: string | null, uid: string | null, record = sessionRecord()): StoreRecordRequest {
  return {
    dedupe: key === null ? null : { key, ttlMs: HOUR_MS },
    session:
      uid === null
        ? null
        : { uid, id: `${record.name}:${record.callState ?? ''}:${record.at}`, record, ttlMs: HOUR_MS },
  };
}

/** The factory throws a TypeError whose message starts with the package's prefix and names the option. */
function expectOptionError(create: () => unknown, fragment: string): void {
  expect(create).toThrow(TypeError);
  expect(create).toThrow(`[myoperator-webhooks] RedisStore: ${fragment}`);
}

const delay = (ms: number): Promise<void> =>
  new Promise((resolve) => {
    setTimeout(resolve, ms);
  });

/** Polls `check` until it is true (at most ~10 s); resolves to its last answer, for the test to assert. */
async function eventually(check: () => Promise<boolean>): Promise<boolean> {
  for (let attempt = 0; attempt < 100; attempt++) {
    if (await check()) return true;
    await delay(100);
  }
  return check();
}

describe.each(VERSIONS)('RedisStore on $name', (version) => {
  const connect = (server: RedisServer): Client => {
    const client = version.create(server.url);
    client.on('error', () => {}); // reconnects are expected in these tests
    return client;
  };
  let server: RedisServer;
  let client: Client;
  let admin: Redis;
  let unique = 0;
  const fresh = (label: string): string => `${label}-${process.pid}-${++unique}`;

  beforeAll(async () => {
    server = await startRedis();
    client = connect(server);
    admin = connectAdmin(server);
  });

  afterAll(async () => {
    client.disconnect();
    admin.disconnect();
    await server.stop();
  });

  it('runs on the client it names (the RESP version it speaks)', async () => {
    expect(String(await client.call('CLIENT', 'INFO'))).toMatch(new RegExp(`\\bresp=${version.resp}\\b`));
  });

  describe('options', () => {
    it.each([
      ['no options', undefined],
      ['{}', {}],
      ['Object.create(null)', Object.create(null) as object],
      ['{ client: undefined }', { client: undefined }],
      ['a client that is not one', { client: {} }],
      ['a string client', { client: 'redis://localhost' }],
    ])('throws a TypeError for %s', (_label, options) => {
      expectOptionError(() => new RedisStore(options as never), '"client"');
    });

    it.each([
      ['a zero timeoutMs', { timeoutMs: 0 }, '"timeoutMs"'],
      ['a fractional timeoutMs', { timeoutMs: 1.5 }, '"timeoutMs"'],
      ['a string timeoutMs', { timeoutMs: '1000' }, '"timeoutMs"'],
      ['a number keyPrefix', { keyPrefix: 1 }, '"keyPrefix"'],
      ['a misspelt option', { timeout: 1000 }, 'unknown option "timeout"'],
    ])('throws a TypeError for %s', (_label, extra, fragment) => {
      expectOptionError(() => new RedisStore({ client, ...extra } as never), fragment);
    });

    it('refuses a Redis Cluster client (a claim and its session are one script over two keys)', () => {
      const cluster = version.cluster();
      try {
        expect(cluster.isCluster).toBe(true);
        expectOptionError(() => new RedisStore({ client: cluster as never }), '"client" must not be a Redis Cluster');
      } finally {
        cluster.disconnect();
      }
    });

    it('reads the defaults, ignores undefined options and leaves the caller’s object as it was', () => {
      const options = Object.freeze({ client, keyPrefix: undefined, timeoutMs: undefined });
      // `undefined` for an option, as JavaScript callers write it.
      const store = new RedisStore(options as unknown as ConstructorParameters<typeof RedisStore>[0]);
      expect([store.keyPrefix, store.timeoutMs]).toEqual(['myoperator:', 1000]);
      expect(options).toEqual({ client, keyPrefix: undefined, timeoutMs: undefined });
    });
  });

  describe('record()', () => {
    it('claims a key once', async () => {
      const store = new RedisStore({ client });
      const key = fresh('once');
      expect(await store.record(request(key, null))).toEqual({ claimed: true, records: null });
      expect(await store.record(request(key, null))).toEqual({ claimed: false, records: null });
    });

    it('gives a claim to exactly one of two clients that record the same keys at the same moment', async () => {
      const other = connect(server);
      try {
        const stores = [new RedisStore({ client }), new RedisStore({ client: other })];
        const keys = Array.from({ length: 50 }, () => fresh('race'));
        const results = await Promise.all(
          keys.flatMap((key) => stores.map((store) => store.record(request(key, null)))),
        );
        const claimedPerKey = keys.map(
          (_, index) => results.slice(index * 2, index * 2 + 2).filter((r) => r.claimed).length,
        );
        expect(claimedPerKey).toEqual(keys.map(() => 1));
      } finally {
        other.disconnect();
      }
    });

    it('prefixes its keys and gives them the TTLs asked for', async () => {
      const store = new RedisStore({ client, keyPrefix: 'test-app:' });
      const key = fresh('ttl');
      const uid = fresh('uid');
      await store.record({
        dedupe: { key, ttlMs: 60_000 },
        session: { uid, id: 'a', record: sessionRecord(), ttlMs: 30_000 },
      });
      const [claimTtl, sessionTtl, claimType, sessionType] = await Promise.all([
        admin.pttl(`test-app:claim:${key}`),
        admin.pttl(`test-app:session:${uid}`),
        admin.type(`test-app:claim:${key}`),
        admin.type(`test-app:session:${uid}`),
      ]);
      expect([claimType, sessionType]).toEqual(['string', 'hash']);
      expect(claimTtl).toBeGreaterThan(30_000);
      expect(claimTtl).toBeLessThanOrEqual(60_000);
      expect(sessionTtl).toBeGreaterThan(0);
      expect(sessionTtl).toBeLessThanOrEqual(30_000);
      expect(await admin.exists(`myoperator:claim:${key}`)).toBe(0);
    });

    it('returns every record of the call, keeping the first one recorded under an id', async () => {
      const store = new RedisStore({ client });
      const uid = fresh('uid');
      const first = sessionRecord();
      const redelivered = sessionRecord({ receivedAt: first.receivedAt + 5000 });
      const answered = sessionRecord({
        name: 'user_answered',
        callState: 6,
        at: first.at + 8000,
        agent: '918586848544',
      });
      await store.record(request(fresh('k'), uid, first));
      await store.record(request(fresh('k'), uid, redelivered));
      const result = await store.record(request(fresh('k'), uid, answered));
      expect(result.claimed).toBe(true);
      expect(result.records).toHaveLength(2);
      expect(result.records).toEqual(expect.arrayContaining([first, answered]));
      expect(await store.sessionRecords(uid)).toEqual(expect.arrayContaining([first, answered]));
    });

    it('does not touch the session of an event that was already claimed', async () => {
      const store = new RedisStore({ client });
      const uid = fresh('uid');
      const key = fresh('k');
      await store.record(request(key, null));
      expect(await store.record(request(key, uid))).toEqual({ claimed: false, records: null });
      expect(await admin.exists(store.sessionKey(uid))).toBe(0);
    });

    it('always records the session of an event without a key', async () => {
      const store = new RedisStore({ client });
      const uid = fresh('uid');
      const results = [await store.record(request(null, uid)), await store.record(request(null, uid))];
      expect(results.map((result) => [result.claimed, result.records?.length])).toEqual([
        [true, 1],
        [true, 1],
      ]);
    });

    it('keeps at most 64 records per call, so a flood under one uid stays small', async () => {
      const store = new RedisStore({ client });
      const uid = fresh('flood');
      for (let index = 0; index < 80; index++) {
        await store.record(request(null, uid, sessionRecord({ name: 'unknown', callState: 8, at: index })));
      }
      expect(await admin.hlen(store.sessionKey(uid))).toBe(64);
      expect((await store.sessionRecords(uid)).map((record) => record.at).sort((a, b) => a - b)).toEqual(
        Array.from({ length: 64 }, (_, index) => index),
      );
    });

    it('loads its script again after Redis forgot it (SCRIPT FLUSH, a restart)', async () => {
      const store = new RedisStore({ client });
      await store.record(request(fresh('k'), null));
      await admin.script('FLUSH');
      const key = fresh('k');
      expect(await store.record(request(key, null))).toEqual({ claimed: true, records: null });
      expect(await admin.exists(store.claimKey(key))).toBe(1);
    });

    it('keeps a very long key or uid as a short hash, still claimed once', async () => {
      const store = new RedisStore({ client });
      const long = `${fresh('long')}${'x'.repeat(10_000)}`;
      expect((await store.record(request(long, long))).claimed).toBe(true);
      expect((await store.record(request(long, long))).claimed).toBe(false);
      expect(store.claimKey(long).length).toBeLessThan(100);
      expect(await admin.exists(store.claimKey(long), store.sessionKey(long))).toBe(2);
    });

    it('skips stored values that are not session records', async () => {
      const store = new RedisStore({ client });
      const uid = fresh('uid');
      await admin.hset(store.sessionKey(uid), 'junk', 'not json', 'wrong', '{"name":"nope","at":1}');
      const result = await store.record(request(null, uid));
      expect(result.records).toEqual([sessionRecord()]);
    });
  });

  describe('release()', () => {
    it('gives the claim back, so the event can be claimed again', async () => {
      const store = new RedisStore({ client });
      const key = fresh('release');
      await store.record(request(key, null));
      await store.release(key);
      expect(await admin.exists(store.claimKey(key))).toBe(0);
      expect((await store.record(request(key, null))).claimed).toBe(true);
    });
  });

  describe('sessionRecords()', () => {
    it('is empty for a call it does not know', async () => {
      expect(await new RedisStore({ client }).sessionRecords(fresh('nobody'))).toEqual([]);
    });
  });

  describe('with CallEvents', () => {
    it('builds the same session as the MemoryStore does, and answers redeliveries as duplicates', async () => {
      const uid = fresh('n2.1596270949');
      const times = { 1: '08:35:56', 5: '08:35:56', 6: '08:36:04', 2: '08:37:10' } as const;
      const events = ([1, 5, 6, 2] as const).map((state) =>
        buildCallEvent(
          buildInCallLog({
            uid,
            call_state: String(state),
            created: `2020-08-01 ${times[state]}`,
            call_time: `2020-08-01 ${times[state]}`,
            status: state === 2 ? '1' : null,
          }),
        ),
      );
      const onRedis = new CallEvents({ store: new RedisStore({ client }) });
      const inMemory = new CallEvents({ store: new MemoryStore() });
      for (const event of [...events].reverse()) await onRedis.receive(event);
      for (const event of events) await inMemory.receive(event);
      expect(await onRedis.receive(events[0]!)).toEqual({ duplicate: true });
      const session = await onRedis.getSession(uid);
      expect(session).toEqual(await inMemory.getSession(uid));
      expect(session).toMatchObject({ outcome: 'answered', ringSeconds: 8, talkSeconds: 66 });
    });
  });

  describe('when redis stalls', () => {
    it('rejects after timeoutMs, and gives back a claim that Redis makes after that', async () => {
      const store = new RedisStore({ client, timeoutMs: 100 });
      const key = fresh('late');
      const uid = fresh('uid');
      await admin.client('PAUSE', 1000);
      await expect(store.record(request(key, uid))).rejects.toMatchObject({ name: 'RedisStoreTimeoutError' });
      // Once the pause ends, Redis runs the script (the session proves it) and the store deletes the claim.
      const settled = await eventually(
        async () =>
          (await admin.exists(store.sessionKey(uid))) === 1 && (await admin.exists(store.claimKey(key))) === 0,
      );
      expect(settled).toBe(true);
      expect((await store.record(request(key, null))).claimed).toBe(true);
    }, 30_000);
  });

  describe('when redis dies', () => {
    let doomed: RedisServer;
    let doomedClient: Client;

    beforeAll(async () => {
      doomed = await startRedis();
      doomedClient = connect(doomed);
    });

    afterAll(async () => {
      doomedClient.disconnect();
      await doomed.stop();
    });

    it('rejects every call after timeoutMs instead of hanging, and works again once Redis is back', async () => {
      const store = new RedisStore({ client: doomedClient, timeoutMs: 150 });
      expect((await store.record(request(fresh('k'), null))).claimed).toBe(true);

      doomed.kill();
      const timeout = { name: 'RedisStoreTimeoutError' };
      await expect(store.record(request(fresh('k'), fresh('uid')))).rejects.toMatchObject(timeout);
      await expect(store.release(fresh('k'))).rejects.toMatchObject(timeout);
      await expect(store.sessionRecords(fresh('uid'))).rejects.toMatchObject(timeout);

      await doomed.restart();
      const key = fresh('back');
      const claimedAgain = await eventually(async () => {
        try {
          return (await store.record(request(key, null))).claimed;
        } catch {
          return false;
        }
      });
      expect(claimedAgain).toBe(true);
      expect((await store.record(request(key, null))).claimed).toBe(false);
    }, 30_000);
  });
});
