// Phone numbers as MyOperator sends them: with or without the country code, a `+` lost to form decoding,
// trunk and international prefixes, and values that hold no number at all.

import type { PhoneNumber } from '../../../lib';
import { pickPhoneNumber, restorePlus, toPhoneNumber } from '../../../lib/normalize/phone';

function phone(raw: string, e164: string | null, national: string | null, countryCode: string | null): PhoneNumber {
  return { raw, e164, national, countryCode };
}

describe('restorePlus()', () => {
  describe('with a leading space where a form decoder ate the +', () => {
    it('puts the + back', () => {
      expect(restorePlus(' 919999999999')).toBe('+919999999999');
    });

    it('puts the + back once, whatever the number of spaces', () => {
      expect(restorePlus('  919999999999')).toBe('+919999999999');
    });
  });

  describe('with a leading space before something that is not a digit', () => {
    it('only trims the space', () => {
      expect(restorePlus(' anonymous')).toBe('anonymous');
    });
  });

  describe('with no leading space', () => {
    it('returns the value unchanged', () => {
      expect([restorePlus('919999999999'), restorePlus('+919999999999'), restorePlus('')]).toEqual([
        '919999999999',
        '+919999999999',
        '',
      ]);
    });
  });
});

describe('toPhoneNumber()', () => {
  describe("with the seed's numbers (default country 91)", () => {
    it('reads clid_raw 919711636496 as an Indian number carrying its country code', () => {
      expect(toPhoneNumber('919711636496', '91')).toEqual(phone('919711636496', '+919711636496', '9711636496', '91'));
    });

    it('reads clid 9711636496 (10 digits) in the default country', () => {
      expect(toPhoneNumber('9711636496', '91')).toEqual(phone('9711636496', '+919711636496', '9711636496', '91'));
    });

    it('reads the formatted +919999999999 of the docs table', () => {
      expect(toPhoneNumber('+919999999999', '91')).toEqual(phone('+919999999999', '+919999999999', '9999999999', '91'));
    });

    it('reads a number given as a JSON number', () => {
      expect(toPhoneNumber(919711636496, '91')).toEqual(phone('919711636496', '+919711636496', '9711636496', '91'));
    });

    it('keeps a 10-digit number that starts with 91 national', () => {
      expect(toPhoneNumber('9198765432', '91')).toEqual(phone('9198765432', '+919198765432', '9198765432', '91'));
    });
  });

  describe('with a leading space for the +', () => {
    it('restores the + in raw and reads the number', () => {
      expect(toPhoneNumber(' 919999999999', '91')).toEqual(phone('+919999999999', '+919999999999', '9999999999', '91'));
    });
  });

  describe('with prefixes', () => {
    it('drops the trunk prefix 0 and uses the default country', () => {
      expect(toPhoneNumber('09711636496', '91')).toEqual(phone('09711636496', '+919711636496', '9711636496', '91'));
    });

    it('reads 00 as the international prefix', () => {
      expect(toPhoneNumber('00919711636496', '91')).toEqual(
        phone('00919711636496', '+919711636496', '9711636496', '91'),
      );
    });

    it('reads 00 followed by another country', () => {
      expect(toPhoneNumber('0014155550123', '91')).toEqual(phone('0014155550123', '+14155550123', '4155550123', '1'));
    });
  });

  describe('with other countries written with +', () => {
    it.each([
      ['+14155550123', '1', '4155550123'],
      ['+971501234567', '971', '501234567'],
      ['+447911123456', '44', '7911123456'],
      ['+8613800138000', '86', '13800138000'],
    ])('splits %s into country code %s and national %s', (value, countryCode, national) => {
      expect(toPhoneNumber(value, '91')).toEqual(phone(value, `+${countryCode}${national}`, national, countryCode));
    });

    it('ignores spaces, dashes and brackets between the digits', () => {
      expect(toPhoneNumber('+1 (415) 555-0123', '91')).toEqual(
        phone('+1 (415) 555-0123', '+14155550123', '4155550123', '1'),
      );
    });
  });

  describe('with another defaultCountryCode', () => {
    it('reads a number without a country code in that country', () => {
      expect(toPhoneNumber('4155550123', '1')).toEqual(phone('4155550123', '+14155550123', '4155550123', '1'));
    });

    it('recognises that country code in front of a long number', () => {
      expect(toPhoneNumber('14155550123', '1')).toEqual(phone('14155550123', '+14155550123', '4155550123', '1'));
    });

    it('still honours an explicit + for a different country', () => {
      expect(toPhoneNumber('+919711636496', '1')).toEqual(phone('+919711636496', '+919711636496', '9711636496', '91'));
    });
  });

  describe('with values that hold no number', () => {
    it.each(['anonymous', 'unknown', '+', '123', 'abc123456789'])(
      'keeps %j as raw with every normalised form null',
      (value) => {
        expect(toPhoneNumber(value, '91')).toEqual(phone(value, null, null, null));
      },
    );

    it('returns null for an absent, empty or non-scalar value', () => {
      const values: unknown[] = ['', null, undefined, true, {}, []];
      expect(values.map((value) => toPhoneNumber(value, '91'))).toEqual(values.map(() => null));
    });

    it('returns null for blank text', () => {
      expect(toPhoneNumber('   ', '91')).toBeNull();
    });
  });

  describe('with too many digits', () => {
    it('refuses more than 15 digits for E.164', () => {
      expect(toPhoneNumber('+9199999999999999', '91')).toEqual(phone('+9199999999999999', null, null, null));
    });
  });
});

describe('pickPhoneNumber()', () => {
  describe('with the seed sample (clid_raw has the country code, clid does not)', () => {
    it('gives raw from clid_raw and the E.164 form', () => {
      expect(pickPhoneNumber('919711636496', '9711636496', '91')).toEqual(
        phone('919711636496', '+919711636496', '9711636496', '91'),
      );
    });
  });

  describe('with the docs table variant (raw 919999999999, formatted +919999999999)', () => {
    it('gives raw from the first field and the same E.164 form', () => {
      expect(pickPhoneNumber('919999999999', '+919999999999', '91')).toEqual(
        phone('919999999999', '+919999999999', '9999999999', '91'),
      );
    });
  });

  describe('with only the second field carrying a country code', () => {
    it('takes the country from the second field and raw from the first', () => {
      expect(pickPhoneNumber('4155550123', '+14155550123', '91')).toEqual(
        phone('4155550123', '+14155550123', '4155550123', '1'),
      );
    });
  });

  describe('with the first field holding no number', () => {
    it('reads the number from the second field and keeps the first as raw', () => {
      expect(pickPhoneNumber('anonymous', '9711636496', '91')).toEqual(
        phone('anonymous', '+919711636496', '9711636496', '91'),
      );
    });
  });

  describe('with one field absent', () => {
    it('uses the other', () => {
      expect([pickPhoneNumber(null, '9711636496', '91'), pickPhoneNumber('919711636496', undefined, '91')]).toEqual([
        phone('9711636496', '+919711636496', '9711636496', '91'),
        phone('919711636496', '+919711636496', '9711636496', '91'),
      ]);
    });
  });

  describe('with both fields absent or empty', () => {
    it('returns null', () => {
      expect([pickPhoneNumber(null, null, '91'), pickPhoneNumber('', '', '91')]).toEqual([null, null]);
    });
  });

  describe('with a leading space for the +', () => {
    it('restores it in raw', () => {
      expect(pickPhoneNumber(' 919711636496', '9711636496', '91')).toEqual(
        phone('+919711636496', '+919711636496', '9711636496', '91'),
      );
    });
  });
});
