// Option validation of every factory: checked once when called, mistakes are TypeErrors that start with
// `[myoperator-webhooks]`, absent-looking objects behave as documented, and the caller's object is only read.

import {
  authenticate,
  CallEvents,
  mapQueryParams,
  MemoryStore,
  myOperatorWebhook,
  parseMyOperatorBody,
  type AuthenticateOptions,
  type CallEventsMiddlewareOptions,
  type CallEventsOptions,
  type MapQueryParamsOptions,
  type MemoryStoreOptions,
  type MyOperatorWebhookOptions,
  type ParseMyOperatorBodyOptions,
  type QueryParamMapping,
} from '../../lib';
import { deepFreeze } from '../../lib/testing/deep-freeze';

const PREFIX = /^\[myoperator-webhooks\] /;

/** Runs `build` and returns the TypeError it threw (failing the test when it did not throw one). */
function optionError(build: () => unknown): TypeError {
  try {
    build();
  } catch (error) {
    if (error instanceof TypeError) return error;
    throw error;
  }
  throw new Error('no TypeError was thrown');
}

function expectOptionError(build: () => unknown, mentions?: string): void {
  const error = optionError(build);
  expect(error.message).toMatch(PREFIX);
  if (mentions !== undefined) expect(error.message).toContain(mentions);
}

/** Calls `build` with a deep-frozen copy of `options` and proves it came back unchanged. */
function expectUnchanged<T extends object>(options: T, build: (frozen: T) => unknown): void {
  const before = JSON.stringify(options);
  const frozen = deepFreeze(options);
  expect(() => build(frozen)).not.toThrow();
  expect(JSON.stringify(frozen)).toBe(before);
  expect(Object.isFrozen(frozen)).toBe(true);
}

const AUTH: AuthenticateOptions = { headers: ['my-super-secret-token: abc123def'] };

describe('authenticate()', () => {
  describe('with no check configured', () => {
    it.each([
      ['{}', {}],
      ['Object.create(null)', Object.create(null) as object],
      ['{ headers: undefined }', { headers: undefined }],
      ['{ realm: "x" } only', { realm: 'x' }],
      ['undefined', undefined],
    ])('throws a TypeError for %s', (_label, options) => {
      expectOptionError(() => authenticate(options as never), 'at least one');
    });
  });

  describe('with a check configured', () => {
    it('accepts undefined for the other options', () => {
      // `undefined` for an option, as JavaScript callers write it.
      expect(
        typeof authenticate({
          ...AUTH,
          basic: undefined,
          query: undefined,
          realm: undefined,
        } as unknown as AuthenticateOptions),
      ).toBe('function');
    });

    it('accepts an options object without a prototype', () => {
      const options = Object.assign(Object.create(null) as AuthenticateOptions, AUTH);
      expect(typeof authenticate(options)).toBe('function');
    });

    it.each([
      ['headers as "Name: value" lines', { headers: ['x-token: abc', 'X-Other:def'] }],
      ['headers as a map with rotation', { headers: { 'x-token': ['new', 'old'] } }],
      ['basic as one pair', { basic: { username: 'admin', password: '123456' } }],
      ['basic as the panel JSON string', { basic: '{"username": "admin", "password": "123456"}' }],
      [
        'basic as several pairs',
        {
          basic: [
            { username: 'a', password: '1' },
            { username: 'b', password: '2' },
          ],
        },
      ],
      ['query', { query: { key: 'static-key' } }],
      ['all of them with a realm', { ...AUTH, basic: { username: 'a', password: 'b' }, query: { k: 'v' }, realm: 'R' }],
    ])('accepts %s', (_label, options) => {
      expect(typeof authenticate(options as never)).toBe('function');
    });
  });

  describe('with a mistake', () => {
    it.each([
      ['a typo', { ...AUTH, heders: ['x: y'] }, 'heders'],
      ['options that are not an object', 'x-token: abc', 'must be an object'],
      ['null options', null, 'must be an object'],
      ['array options', [AUTH], 'must be an object'],
      ['headers of the wrong type', { headers: 5 }, 'headers'],
      ['a header line without a colon', { headers: ['x-token abc'] }, 'Name: value'],
      ['a header line with an empty name', { headers: [': abc'] }, 'Name: value'],
      ['a header line with an empty value', { headers: ['x-token:   '] }, 'x-token'],
      ['no header at all', { headers: [] }, 'at least one'],
      ['a header value of the wrong type', { headers: { 'x-token': 5 } }, 'x-token'],
      ['an invalid header name', { headers: { 'x token': 'abc' } }, 'header name'],
      ['basic without a password', { basic: { username: 'admin' } }, 'basic'],
      ['basic with a colon in the username', { basic: { username: 'a:b', password: 'c' } }, 'basic'],
      ['basic as a string that is not JSON', { basic: 'admin:123456' }, 'basic'],
      ['basic as an empty list', { basic: [] }, 'basic'],
      ['query of the wrong type', { query: 'key=value' }, 'query'],
      ['an empty query', { query: {} }, 'query'],
      ['a realm of the wrong type', { ...AUTH, realm: 5 }, 'realm'],
      ['a realm with a quote', { ...AUTH, realm: 'a"b' }, 'realm'],
    ])('throws a TypeError for %s', (_label, options, mentions) => {
      expectOptionError(() => authenticate(options as never), mentions);
    });

    it('never puts a configured secret in the message', () => {
      const error = optionError(() => authenticate({ headers: ['x-token: s3cr3t-value'], realm: 5 } as never));
      expect(error.message).not.toContain('s3cr3t-value');
    });
  });

  describe("with the caller's options", () => {
    it('never changes them', () => {
      expectUnchanged(
        {
          headers: { 'X-Token': ['new', 'old'] },
          basic: [{ username: 'admin', password: '123456' }],
          query: { key: ['a', 'b'] },
          realm: 'Mine',
        },
        (options) => authenticate(options),
      );
      expectUnchanged({ headers: ['my-super-secret-token: abc123def'] }, (options) => authenticate(options));
    });
  });
});

describe('parseMyOperatorBody()', () => {
  describe('with absent options', () => {
    it.each([
      ['no argument', undefined],
      ['{}', {}],
      ['Object.create(null)', Object.create(null) as object],
      ['{ limit: undefined, field: undefined }', { limit: undefined, field: undefined }],
      [
        '{ defaultCountryCode: undefined, timeZone: undefined }',
        { defaultCountryCode: undefined, timeZone: undefined },
      ],
    ])('accepts %s', (_label, options) => {
      expect(typeof parseMyOperatorBody(options as never)).toBe('function');
    });
  });

  describe('with valid options', () => {
    it.each([
      ['a limit in bytes', { limit: 1024 }],
      ['a limit as a string', { limit: '1mb' }],
      ['another field', { field: 'log' }],
      ['a default country code', { defaultCountryCode: '1' }],
      ['a default country code with +', { defaultCountryCode: '+971' }],
      ['a time zone', { timeZone: 'Asia/Kolkata' }],
      ['UTC', { timeZone: 'UTC' }],
    ])('accepts %s', (_label, options) => {
      expect(typeof parseMyOperatorBody(options as never)).toBe('function');
    });
  });

  describe('with a mistake', () => {
    it.each([
      ['a typo', { limt: '1kb' }, 'limt'],
      ['options that are not an object', '100kb', 'must be an object'],
      ['a negative limit', { limit: -1 }, 'limit'],
      ['a zero limit', { limit: 0 }, 'limit'],
      ['a fractional limit', { limit: 1.5 }, 'limit'],
      ['a limit that is no size', { limit: 'lots' }, 'limit'],
      ['a limit of the wrong type', { limit: true }, 'limit'],
      ['an empty field', { field: '' }, 'field'],
      ['a field of the wrong type', { field: 5 }, 'field'],
      ['a numeric country code', { defaultCountryCode: 91 }, 'defaultCountryCode'],
      ['a country code that is too long', { defaultCountryCode: '9191' }, 'defaultCountryCode'],
      ['a country code that is not digits', { defaultCountryCode: 'IN' }, 'defaultCountryCode'],
      ['an unknown time zone', { timeZone: 'Mars/Olympus_Mons' }, 'timeZone'],
      ['an empty time zone', { timeZone: '' }, 'timeZone'],
      ['a time zone of the wrong type', { timeZone: 330 }, 'timeZone'],
    ])('throws a TypeError for %s', (_label, options, mentions) => {
      expectOptionError(() => parseMyOperatorBody(options as never), mentions);
    });
  });

  describe("with the caller's options", () => {
    it('never changes them', () => {
      expectUnchanged<ParseMyOperatorBodyOptions>(
        { limit: '10kb', field: 'log', defaultCountryCode: '+1', timeZone: 'America/New_York' },
        (options) => parseMyOperatorBody(options),
      );
    });
  });
});

describe('mapQueryParams()', () => {
  describe('with an empty mapping', () => {
    it.each([
      ['{}', {}],
      ['Object.create(null)', Object.create(null) as object],
    ])('accepts %s', (_label, mapping) => {
      expect(typeof mapQueryParams(mapping as never)).toBe('function');
    });
  });

  describe('with absent options', () => {
    it.each([
      ['no argument', undefined],
      ['{}', {}],
      ['Object.create(null)', Object.create(null) as object],
      ['{ timeZone: undefined }', { timeZone: undefined }],
    ])('accepts %s', (_label, options) => {
      expect(typeof mapQueryParams({ state: 'callState' }, options as never)).toBe('function');
    });
  });

  describe('with a mapping by key and by label', () => {
    it('accepts every field, in any case', () => {
      const mapping: QueryParamMapping = {
        a: 'callerNumber',
        b: 'CALLER NUMBER WITHOUT COUNTRY CODE',
        c: 'Creation date of log (epoch)',
        d: 'event of log',
        e: 'status',
        f: 'Call state',
        g: 'uid',
        h: 'Company ID',
        i: 'serviceNumber',
        j: "User's phone number",
        k: 'referenceId',
        l: 'Client reference ID',
        m: 'IVR ID',
      };
      expect(typeof mapQueryParams(mapping)).toBe('function');
    });
  });

  describe('with a mistake in the mapping', () => {
    it.each([
      ['null', null, 'mapping'],
      ['no mapping', undefined, 'mapping'],
      ['a string', 'caller_number=callerNumber', 'mapping'],
      ['an array', [['caller_number', 'callerNumber']], 'mapping'],
      ['an unknown field', { caller_number: 'callerPhone' }, 'callerPhone'],
      ['a value that is not a string', { caller_number: 5 }, 'caller_number'],
      ['an empty parameter name', { '': 'uid' }, 'empty'],
    ])('throws a TypeError for %s', (_label, mapping, mentions) => {
      expectOptionError(() => mapQueryParams(mapping as never), mentions);
    });
  });

  describe('with a mistake in the options', () => {
    it.each([
      ['a typo', { timezone: 'UTC' }, 'timezone'],
      ['an option of parseMyOperatorBody', { limit: '1kb' }, 'limit'],
      ['options that are not an object', 'UTC', 'must be an object'],
      ['an unknown time zone', { timeZone: 'Nowhere/Special' }, 'timeZone'],
      ['a bad country code', { defaultCountryCode: '' }, 'defaultCountryCode'],
    ])('throws a TypeError for %s', (_label, options, mentions) => {
      expectOptionError(() => mapQueryParams({ state: 'callState' }, options as never), mentions);
    });
  });

  describe("with the caller's mapping and options", () => {
    it('never changes them', () => {
      expectUnchanged({ caller_number: 'Caller number with country code', state: 'callState' }, (mapping) =>
        mapQueryParams(mapping),
      );
      expectUnchanged<MapQueryParamsOptions>({ defaultCountryCode: '91', timeZone: 'Asia/Kolkata' }, (options) =>
        mapQueryParams({ uid: 'uid' }, options),
      );
    });
  });
});

describe('new CallEvents()', () => {
  describe('with absent options', () => {
    it.each([
      ['no argument', undefined],
      ['{}', {}],
      ['Object.create(null)', Object.create(null) as object],
      ['every option undefined', { store: undefined, dedupe: undefined, sessions: undefined, logger: undefined }],
    ])('accepts %s', (_label, options) => {
      expect(new CallEvents(options as never)).toBeInstanceOf(CallEvents);
    });

    it('uses a MemoryStore by default', () => {
      expect(new CallEvents().store).toBeInstanceOf(MemoryStore);
    });
  });

  describe('with valid options', () => {
    it.each([
      ['a store', { store: new MemoryStore({ maxEntries: 10 }) }],
      ['dedupe off', { dedupe: false }],
      ['dedupe options', { dedupe: { ttlMs: 1000, key: () => null } }],
      ['dedupe options all undefined', { dedupe: { ttlMs: undefined, key: undefined } }],
      ['sessions off', { sessions: false }],
      ['sessions options', { sessions: { ttlMs: 1000 } }],
      ['a logger', { logger: { error: () => undefined } }],
      ['no logger', { logger: false }],
    ])('accepts %s', (_label, options) => {
      expect(new CallEvents(options as never)).toBeInstanceOf(CallEvents);
    });

    it('keeps the given store', () => {
      const store = new MemoryStore();
      expect(new CallEvents({ store }).store).toBe(store);
    });
  });

  describe('with a mistake', () => {
    it.each([
      ['a typo', { dedup: false }, 'dedup'],
      ['options that are not an object', 'dedupe', 'must be an object'],
      ['null options', null, 'must be an object'],
      ['a store that is not a CallStore', { store: {} }, 'store'],
      ['a store of the wrong type', { store: 'redis://localhost' }, 'store'],
      ['dedupe of the wrong type', { dedupe: 'yes' }, 'dedupe'],
      ['a typo in dedupe', { dedupe: { ttl: 1000 } }, 'ttl'],
      ['a zero dedupe.ttlMs', { dedupe: { ttlMs: 0 } }, 'dedupe.ttlMs'],
      ['a fractional dedupe.ttlMs', { dedupe: { ttlMs: 1.5 } }, 'dedupe.ttlMs'],
      ['a dedupe.key that is not a function', { dedupe: { key: 'uid' } }, 'dedupe.key'],
      ['sessions of the wrong type', { sessions: 1 }, 'sessions'],
      ['a typo in sessions', { sessions: { ttl: 1 } }, 'ttl'],
      ['a negative sessions.ttlMs', { sessions: { ttlMs: -1 } }, 'sessions.ttlMs'],
      ['a logger without error()', { logger: {} }, 'logger'],
      ['logger: true', { logger: true }, 'logger'],
    ])('throws a TypeError for %s', (_label, options, mentions) => {
      expectOptionError(() => new CallEvents(options as never), mentions);
    });
  });

  describe("with the caller's options", () => {
    it('never changes them', () => {
      expectUnchanged<CallEventsOptions>(
        {
          dedupe: { ttlMs: 60_000, key: (event) => event.uid },
          sessions: { ttlMs: 60_000 },
          logger: { error: () => undefined },
        },
        (options) => new CallEvents(options),
      );
      expectUnchanged<CallEventsOptions>(
        { dedupe: false, sessions: false, logger: false },
        (options) => new CallEvents(options),
      );
    });
  });
});

describe('calls.middleware()', () => {
  const calls = new CallEvents({ dedupe: false, sessions: false, logger: false });

  describe('with absent options', () => {
    it.each([
      ['no argument', undefined],
      ['{}', {}],
      ['Object.create(null)', Object.create(null) as object],
      ['every option undefined', { respond: undefined, timeoutMs: undefined, onHandlerError: undefined }],
    ])('accepts %s', (_label, options) => {
      expect(typeof calls.middleware(options as never)).toBe('function');
    });
  });

  describe('with valid options', () => {
    it.each([
      ['respond after-handlers', { respond: 'after-handlers' }],
      ['respond immediately', { respond: 'immediately' }],
      ['respond next', { respond: 'next' }],
      ['timeoutMs 0', { timeoutMs: 0 }],
      ['timeoutMs 10000', { timeoutMs: 10_000 }],
      ['onHandlerError respond-500', { onHandlerError: 'respond-500' }],
      ['onHandlerError respond-200', { onHandlerError: 'respond-200' }],
    ])('accepts %s', (_label, options) => {
      expect(typeof calls.middleware(options as never)).toBe('function');
    });
  });

  describe('with a mistake', () => {
    it.each([
      ['a typo', { respnd: 'next' }, 'respnd'],
      ['options that are not an object', 'next', 'must be an object'],
      ['an unknown respond', { respond: 'later' }, 'respond'],
      ['respond of the wrong type', { respond: true }, 'respond'],
      ['a negative timeoutMs', { timeoutMs: -1 }, 'timeoutMs'],
      ['a fractional timeoutMs', { timeoutMs: 1.5 }, 'timeoutMs'],
      ['a timeoutMs string', { timeoutMs: '4000' }, 'timeoutMs'],
      ['an unknown onHandlerError', { onHandlerError: 'respond-404' }, 'onHandlerError'],
    ])('throws a TypeError for %s', (_label, options, mentions) => {
      expectOptionError(() => calls.middleware(options as never), mentions);
    });
  });

  describe("with the caller's options", () => {
    it('never changes them', () => {
      expectUnchanged<CallEventsMiddlewareOptions>(
        { respond: 'next', timeoutMs: 100, onHandlerError: 'respond-200' },
        (options) => calls.middleware(options),
      );
    });
  });
});

describe('myOperatorWebhook()', () => {
  const calls = new CallEvents({ dedupe: false, sessions: false, logger: false });

  describe('with the required options', () => {
    it('accepts auth: false with calls', () => {
      expect(typeof myOperatorWebhook({ auth: false, calls })).toBe('function');
    });

    it('accepts every option, undefined ones included', () => {
      const router = myOperatorWebhook({
        auth: { ...AUTH, basic: { username: 'admin', password: '123456' } },
        calls,
        queryParams: { caller_number: 'callerNumber', state: 'Call state' },
        limit: '10kb',
        field: 'myoperator',
        defaultCountryCode: '91',
        timeZone: 'Asia/Kolkata',
        respond: 'after-handlers',
        timeoutMs: 4000,
        onHandlerError: 'respond-500',
      });
      expect(typeof router).toBe('function');
      expect(
        typeof myOperatorWebhook({ auth: false, calls, queryParams: undefined, respond: undefined } as never),
      ).toBe('function');
    });

    it('accepts an options object without a prototype', () => {
      const options = Object.assign(Object.create(null) as MyOperatorWebhookOptions, { auth: false, calls });
      expect(typeof myOperatorWebhook(options)).toBe('function');
    });
  });

  describe('with a required option missing', () => {
    it.each([
      ['{}', {}, 'auth'],
      ['Object.create(null)', Object.create(null) as object, 'auth'],
      ['auth: undefined', { auth: undefined, calls }, 'auth'],
      ['no calls', { auth: false }, 'calls'],
      ['calls: undefined', { auth: false, calls: undefined }, 'calls'],
      ['no argument', undefined, 'auth'],
    ])('throws a TypeError for %s', (_label, options, mentions) => {
      expectOptionError(() => myOperatorWebhook(options as never), mentions);
    });
  });

  describe('with a mistake', () => {
    it.each([
      ['a typo', { auth: false, calls, timeZon: 'UTC' }, 'timeZon'],
      ['calls that are not a CallEvents', { auth: false, calls: { onUserAnswered: () => undefined } }, 'calls'],
      ['auth: true', { auth: true, calls }, 'authenticate()'],
      ['auth with no check', { auth: {}, calls }, 'authenticate()'],
      ['a typo inside auth', { auth: { heders: ['x: y'] }, calls }, 'heders'],
      ['an unknown query field', { auth: false, calls, queryParams: { a: 'nope' } }, 'nope'],
      ['an unknown respond', { auth: false, calls, respond: 'later' }, 'respond'],
      ['a bad timeoutMs', { auth: false, calls, timeoutMs: -5 }, 'timeoutMs'],
      ['a bad limit', { auth: false, calls, limit: 'lots' }, 'limit'],
      ['an unknown time zone', { auth: false, calls, timeZone: 'Mars/Olympus_Mons' }, 'timeZone'],
    ])('throws a TypeError for %s', (_label, options, mentions) => {
      expectOptionError(() => myOperatorWebhook(options as never), mentions);
    });
  });

  describe("with the caller's options", () => {
    it('never changes them', () => {
      expectUnchanged<MyOperatorWebhookOptions>(
        {
          auth: { headers: { 'x-token': ['new', 'old'] }, basic: { username: 'admin', password: '123456' } },
          calls: new CallEvents({ dedupe: false, sessions: false, logger: false }),
          queryParams: { caller_number: 'callerNumber', state: 'Call state' },
          limit: '10kb',
          timeZone: 'Asia/Kolkata',
          respond: 'next',
          timeoutMs: 100,
        },
        (options) => myOperatorWebhook(options),
      );
    });
  });
});

describe('new MemoryStore()', () => {
  describe('with absent options', () => {
    it.each([
      ['no argument', undefined],
      ['{}', {}],
      ['Object.create(null)', Object.create(null) as object],
      ['{ maxEntries: undefined }', { maxEntries: undefined }],
    ])('accepts %s and keeps 50000 entries', (_label, options) => {
      expect(new MemoryStore(options as never).maxEntries).toBe(50_000);
    });
  });

  describe('with maxEntries', () => {
    it('keeps it', () => {
      expect(new MemoryStore({ maxEntries: 10 }).maxEntries).toBe(10);
    });
  });

  describe('with a mistake', () => {
    it.each([
      ['a typo', { maxEntry: 10 }, 'maxEntry'],
      ['options that are not an object', 10, 'must be an object'],
      ['zero', { maxEntries: 0 }, 'maxEntries'],
      ['a negative number', { maxEntries: -1 }, 'maxEntries'],
      ['a fraction', { maxEntries: 1.5 }, 'maxEntries'],
      ['a string', { maxEntries: '10' }, 'maxEntries'],
      ['a huge number', { maxEntries: 1e9 }, 'maxEntries'],
    ])('throws a TypeError for %s', (_label, options, mentions) => {
      expectOptionError(() => new MemoryStore(options as never), mentions);
    });
  });

  describe("with the caller's options", () => {
    it('never changes them', () => {
      expectUnchanged<MemoryStoreOptions>({ maxEntries: 100 }, (options) => new MemoryStore(options));
    });
  });
});
