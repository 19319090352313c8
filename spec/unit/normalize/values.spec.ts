// The tolerant readers: numbers as strings and strings as numbers, "" or null for absent values, words or digits
// for enums, lists as arrays or comma-separated strings.

import {
  toCallStatus,
  toCountryCode,
  toDirection,
  toInteger,
  toNumber,
  toNumberText,
  toObjectList,
  toText,
  toTextList,
} from '../../../lib/normalize/values';

const ABSENT: readonly unknown[] = [null, undefined, '', '   ', {}, [], true];

describe('toText()', () => {
  describe('with a string', () => {
    it('trims it', () => {
      expect(toText('  n2.1596270949.2175190 ')).toBe('n2.1596270949.2175190');
    });
  });

  describe('with a finite number', () => {
    it('gives its decimal text', () => {
      expect([toText(5), toText(0), toText(0.65)]).toEqual(['5', '0', '0.65']);
    });
  });

  describe('with an absent or non-scalar value', () => {
    it('returns null', () => {
      const values = [...ABSENT, Number.NaN, Number.POSITIVE_INFINITY];
      expect(values.map((value) => toText(value))).toEqual(values.map(() => null));
    });
  });
});

describe('toInteger()', () => {
  describe('with an integer or a numeric string', () => {
    it.each([
      ['6', 6],
      [' 6 ', 6],
      [6, 6],
      ['0', 0],
      ['-1', -1],
      ['123456789012345', 123456789012345],
    ])('reads %j as %d', (value, expected) => {
      expect(toInteger(value)).toBe(expected);
    });
  });

  describe('with a fraction, a word or too many digits', () => {
    it('returns null', () => {
      const values = [...ABSENT, 6.5, '6.5', 'abc', '6a', '1e3', '1234567890123456', Number.NaN];
      expect(values.map((value) => toInteger(value))).toEqual(values.map(() => null));
    });
  });
});

describe('toNumber()', () => {
  describe('with a number or a numeric string', () => {
    it.each([
      ['0.65', 0.65],
      [0.65, 0.65],
      ['39', 39],
      [' -1.5 ', -1.5],
      [0, 0],
    ])('reads %j as %d', (value, expected) => {
      expect(toNumber(value)).toBe(expected);
    });
  });

  describe('with anything else', () => {
    it('returns null', () => {
      const values = [...ABSENT, 'abc', '1e3', '0x10', '.5', Number.NaN, Number.POSITIVE_INFINITY];
      expect(values.map((value) => toNumber(value))).toEqual(values.map(() => null));
    });
  });
});

describe('toDirection()', () => {
  describe('with the values MyOperator sends', () => {
    it.each([
      [1, 'incoming'],
      ['1', 'incoming'],
      ['Incoming', 'incoming'],
      ['INCOMING', 'incoming'],
      [' incoming ', 'incoming'],
      ['inbound', 'incoming'],
      [2, 'outgoing'],
      ['2', 'outgoing'],
      ['Outgoing', 'outgoing'],
      ['outbound', 'outgoing'],
    ])('reads %j as %s', (value, expected) => {
      expect(toDirection(value)).toBe(expected);
    });
  });

  describe('with an unknown or absent value', () => {
    it('returns null', () => {
      const values = [...ABSENT, 3, '0', 'sideways'];
      expect(values.map((value) => toDirection(value))).toEqual(values.map(() => null));
    });
  });
});

describe('toCallStatus()', () => {
  describe('with the values MyOperator sends', () => {
    it.each([
      [1, 'connected'],
      ['1', 'connected'],
      ['Connected', 'connected'],
      ['bridged', 'connected'],
      ['answered', 'connected'],
      [2, 'missed'],
      ['2', 'missed'],
      ['Missed', 'missed'],
      ['not_answered', 'missed'],
      [3, 'voicemail'],
      ['3', 'voicemail'],
      ['Voicemail', 'voicemail'],
    ])('reads %j as %s', (value, expected) => {
      expect(toCallStatus(value)).toBe(expected);
    });
  });

  describe('with an unknown or absent value', () => {
    it('returns null (the in-call log sends null during the call)', () => {
      const values = [...ABSENT, 0, 4, '4', 'busy'];
      expect(values.map((value) => toCallStatus(value))).toEqual(values.map(() => null));
    });
  });
});

describe('toTextList()', () => {
  describe('with an array', () => {
    it('keeps its non-empty items as trimmed text', () => {
      expect(toTextList(['918586848544', 918586848545, ' 918586848546 ', '', null, {}])).toEqual([
        '918586848544',
        '918586848545',
        '918586848546',
      ]);
    });
  });

  describe('with a comma-separated string', () => {
    it('splits it', () => {
      expect(toTextList('918586848544,918586848545')).toEqual(['918586848544', '918586848545']);
    });

    it('drops blanks around and between the commas', () => {
      expect(toTextList(' 918586848544 , ,918586848545,')).toEqual(['918586848544', '918586848545']);
    });

    it('reads a single value as a list of one', () => {
      expect(toTextList('918586848544')).toEqual(['918586848544']);
    });
  });

  describe('with an absent value', () => {
    it('returns an empty list', () => {
      const values: unknown[] = [null, undefined, '', 5, {}];
      expect(values.map((value) => toTextList(value))).toEqual(values.map(() => []));
    });
  });
});

describe('toNumberText()', () => {
  describe('with a phone-like value', () => {
    it.each([
      ['919999999999', '919999999999'],
      [919999999999, '919999999999'],
      [' 919999999999', '+919999999999'],
      ['+919999999999', '+919999999999'],
    ])('reads %j as %s', (value, expected) => {
      expect(toNumberText(value)).toBe(expected);
    });
  });

  describe('with "unknown"', () => {
    it('returns null, in any case', () => {
      expect([toNumberText('unknown'), toNumberText('UNKNOWN'), toNumberText(' Unknown ')]).toEqual([null, null, null]);
    });
  });

  describe('with an absent value', () => {
    it('returns null', () => {
      expect(ABSENT.map((value) => toNumberText(value))).toEqual(ABSENT.map(() => null));
    });
  });
});

describe('toCountryCode()', () => {
  describe('with a known code', () => {
    it.each([
      ['91', '91'],
      ['+91', '91'],
      [' 91', '91'],
      [91, '91'],
      ['0044', '44'],
      ['1', '1'],
      ['971', '971'],
    ])('reads %j as %s', (value, expected) => {
      expect(toCountryCode(value)).toBe(expected);
    });
  });

  describe('with an unknown code or an absent value', () => {
    it('returns null', () => {
      const values = [...ABSENT, '999', '9', 'IN', '+'];
      expect(values.map((value) => toCountryCode(value))).toEqual(values.map(() => null));
    });
  });
});

describe('toObjectList()', () => {
  const first = { _id: 'a' };
  const second = { _id: 'b' };

  describe('with an array', () => {
    it('keeps its objects and leaves out everything else', () => {
      expect(toObjectList<object>([first, null, 'x' as unknown as object, second])).toEqual([first, second]);
    });
  });

  describe('with a single object', () => {
    it('reads it as a list of one', () => {
      expect(toObjectList(first)).toEqual([first]);
    });
  });

  describe("with a numbered map (PHP's json_encode of a sparse array)", () => {
    it('reads its entries in key order', () => {
      expect(toObjectList<object>({ '0': first, '1': second })).toEqual([first, second]);
    });
  });

  describe('with an absent value', () => {
    it('returns an empty list', () => {
      expect([toObjectList(null), toObjectList(undefined), toObjectList({}), toObjectList([])]).toEqual([
        [],
        [],
        [],
        [],
      ]);
    });
  });
});
