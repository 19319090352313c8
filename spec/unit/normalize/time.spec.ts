// Times as MyOperator sends them: zone-less wall times (UTC unless a time zone is configured), epoch seconds or
// milliseconds as numbers or strings, ISO 8601 with a zone; and `HH:MM:SS` durations.

import { assertTimeZone, toDate, toDurationSeconds } from '../../../lib/normalize/time';

function iso(value: Date | null): string | null {
  return value === null ? null : value.toISOString();
}

describe('toDate()', () => {
  describe('with a zone-less wall time and no time zone', () => {
    it("reads the seed's created value as UTC", () => {
      expect(iso(toDate('2020-08-01 08:35:56'))).toBe('2020-08-01T08:35:56.000Z');
    });

    it('reads the T separator the same way (not in the local zone)', () => {
      expect(iso(toDate('2020-08-01T08:35:56'))).toBe('2020-08-01T08:35:56.000Z');
    });

    it('accepts a wall time without seconds, and a fraction of a second', () => {
      expect([iso(toDate('2020-08-01 08:35')), iso(toDate('2020-08-01 08:35:56.5'))]).toEqual([
        '2020-08-01T08:35:00.000Z',
        '2020-08-01T08:35:56.500Z',
      ]);
    });

    it('reads it as UTC when the time zone is "UTC"', () => {
      expect(iso(toDate('2020-08-01 08:35:56', 'UTC'))).toBe('2020-08-01T08:35:56.000Z');
    });

    it('ignores surrounding spaces', () => {
      expect(iso(toDate('  2020-08-01 08:35:56 '))).toBe('2020-08-01T08:35:56.000Z');
    });
  });

  describe('with the time zone Asia/Kolkata', () => {
    it('subtracts 5:30', () => {
      expect(iso(toDate('2020-08-01 08:35:56', 'Asia/Kolkata'))).toBe('2020-08-01T03:05:56.000Z');
    });

    it('crosses midnight backwards', () => {
      expect(iso(toDate('2020-08-01 02:00:00', 'Asia/Kolkata'))).toBe('2020-07-31T20:30:00.000Z');
    });
  });

  describe('with a daylight-saving time zone (America/New_York)', () => {
    it('adds 4 hours in summer', () => {
      expect(iso(toDate('2024-07-01 12:00:00', 'America/New_York'))).toBe('2024-07-01T16:00:00.000Z');
    });

    it('adds 5 hours in winter', () => {
      expect(iso(toDate('2024-01-15 12:00:00', 'America/New_York'))).toBe('2024-01-15T17:00:00.000Z');
    });

    it('uses the summer offset right after the spring change', () => {
      expect(iso(toDate('2024-03-10 03:30:00', 'America/New_York'))).toBe('2024-03-10T07:30:00.000Z');
    });

    it('uses the winter offset right after the autumn change', () => {
      expect(iso(toDate('2024-11-03 02:30:00', 'America/New_York'))).toBe('2024-11-03T07:30:00.000Z');
    });
  });

  describe('with epoch seconds', () => {
    it('reads a number', () => {
      expect(iso(toDate(1577797873))).toBe('2019-12-31T13:11:13.000Z');
    });

    it('reads a numeric string', () => {
      expect(iso(toDate('1577797873'))).toBe('2019-12-31T13:11:13.000Z');
    });

    it('ignores the time zone (epochs are UTC)', () => {
      expect(iso(toDate('1577797873', 'Asia/Kolkata'))).toBe('2019-12-31T13:11:13.000Z');
    });
  });

  describe('with epoch milliseconds', () => {
    it('reads a number', () => {
      expect(iso(toDate(1594969929000))).toBe('2020-07-17T07:12:09.000Z');
    });

    it('reads a numeric string', () => {
      expect(iso(toDate('1594969929000'))).toBe('2020-07-17T07:12:09.000Z');
    });
  });

  describe('with ISO 8601 carrying a zone', () => {
    it.each([
      ['2026-04-14T05:28:04+00:00', '2026-04-14T05:28:04.000Z'],
      ['2026-04-14T10:58:04+05:30', '2026-04-14T05:28:04.000Z'],
      ['2026-04-14T05:29:28.838Z', '2026-04-14T05:29:28.838Z'],
      ['2026-04-14T05:29:28.838123456Z', '2026-04-14T05:29:28.838Z'],
      ['2026-04-14T05:29:28.838123456+00:00', '2026-04-14T05:29:28.838Z'],
      ['2026-04-14T05:29:28.8Z', '2026-04-14T05:29:28.800Z'],
      ['2026-04-14T05:29:28.999999999Z', '2026-04-14T05:29:28.999Z'],
      ['2026-04-14T05:28:04z', '2026-04-14T05:28:04.000Z'],
      ['2026-04-14T05:28:04+0000', '2026-04-14T05:28:04.000Z'],
      ['2026-04-14T10:58:04+0530', '2026-04-14T05:28:04.000Z'],
      ['2026-04-14T00:28:04-05', '2026-04-14T05:28:04.000Z'],
      ['2026-04-14T00:28:04.123456789-05:00', '2026-04-14T05:28:04.123Z'],
      ['2026-04-14 10:58:04+05:30', '2026-04-14T05:28:04.000Z'],
      ['2026-04-14 05:28:04 +00:00', '2026-04-14T05:28:04.000Z'],
      ['2026-04-14T05:28Z', '2026-04-14T05:28:00.000Z'],
      ['2026-04-14T05:28:04,5Z', '2026-04-14T05:28:04.500Z'],
      ['2026-04-14T00:30:00+01:00', '2026-04-13T23:30:00.000Z'],
    ])('reads %s as %s', (value, expected) => {
      expect(iso(toDate(value))).toBe(expected);
    });

    it('ignores the configured time zone', () => {
      expect(iso(toDate('2026-04-14T05:28:04+00:00', 'Asia/Kolkata'))).toBe('2026-04-14T05:28:04.000Z');
    });
  });

  describe('with an absent, empty, zero or unreadable value', () => {
    it.each([
      ['an empty string', ''],
      ['blanks', '   '],
      ['0', 0],
      ['"0"', '0'],
      ['a negative number', -5],
      ['NaN', Number.NaN],
      ['Infinity', Number.POSITIVE_INFINITY],
      ['null', null],
      ['undefined', undefined],
      ['an object', {}],
      ['a word', 'garbage'],
      ['a month 13', '2020-13-01 10:00:00'],
      ['30 February', '2020-02-30 10:00:00'],
      ['25 o’clock', '2020-08-01 25:00:00'],
      ['minute 99', '2020-08-01 10:99:00'],
      ['30 February with a zone', '2026-02-30T10:00:00Z'],
      ['an offset of 19 hours', '2026-04-14T05:28:04+19:00'],
      ['an offset of 61 minutes', '2026-04-14T05:28:04+05:61'],
      ['two zones', '2026-04-14T05:28:04Z+00:00'],
    ])('returns null for %s', (_label, value) => {
      expect(toDate(value)).toBeNull();
    });
  });
});

describe('assertTimeZone()', () => {
  describe('with a known zone', () => {
    it('returns it', () => {
      expect(assertTimeZone('Asia/Kolkata')).toBe('Asia/Kolkata');
    });
  });

  describe('with an unknown zone', () => {
    it('throws a RangeError', () => {
      expect(() => assertTimeZone('Mars/Olympus_Mons')).toThrow(RangeError);
    });
  });
});

describe('toDurationSeconds()', () => {
  describe('with HH:MM:SS', () => {
    it.each([
      ['00:00:39', 39],
      ['01:02:03', 3723],
      ['00:00:09', 9],
      ['100:00:00', 360000],
    ])('reads %s as %d seconds', (value, seconds) => {
      expect(toDurationSeconds(value)).toBe(seconds);
    });
  });

  describe('with MM:SS', () => {
    it('reads 2:03 as 123 seconds', () => {
      expect(toDurationSeconds('2:03')).toBe(123);
    });
  });

  describe('with a number of seconds', () => {
    it.each([
      [39, 39],
      [0, 0],
      [82.4, 82],
      ['39', 39],
      [' 39 ', 39],
      ['39.6', 40],
    ])('reads %j as %d', (value, seconds) => {
      expect(toDurationSeconds(value)).toBe(seconds);
    });
  });

  describe('with garbage', () => {
    it('returns null for empty, unreadable or negative values', () => {
      const values: unknown[] = [
        '',
        '   ',
        'abc',
        '1:2:3:4',
        '::',
        '-5',
        -5,
        Number.NaN,
        Number.POSITIVE_INFINITY,
        null,
        {},
      ];
      expect(values.map((value) => toDurationSeconds(value))).toEqual(values.map(() => null));
    });
  });
});
