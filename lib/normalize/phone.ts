// Phone numbers as MyOperator sends them (`+919711636496`, `919711636496`, `9711636496`, `09711636496`, and
// `" 919711636496"` where a form or query decoder turned the `+` into a space) -> PhoneNumber.

import type { PhoneNumber } from '../core/call-event';

// ITU-T E.164 country calling codes. The set is prefix-free, so the first 1-3 digits of an international number
// name exactly one code.
const COUNTRY_CODES = new Set(
  (
    '1 7 20 27 30 31 32 33 34 36 39 40 41 43 44 45 46 47 48 49 51 52 53 54 55 56 57 58 60 61 62 63 64 65 66 81 82 84 ' +
    '86 90 91 92 93 94 95 98 211 212 213 216 218 220 221 222 223 224 225 226 227 228 229 230 231 232 233 234 235 ' +
    '236 237 238 239 240 241 242 243 244 245 246 247 248 249 250 251 252 253 254 255 256 257 258 260 261 262 263 ' +
    '264 265 266 267 268 269 290 291 297 298 299 350 351 352 353 354 355 356 357 358 359 370 371 372 373 374 375 ' +
    '376 377 378 379 380 381 382 383 385 386 387 389 420 421 423 500 501 502 503 504 505 506 507 508 509 590 591 ' +
    '592 593 594 595 596 597 598 599 670 672 673 674 675 676 677 678 679 680 681 682 683 685 686 687 688 689 690 ' +
    '691 692 800 808 850 852 853 855 856 870 878 880 881 882 883 886 888 960 961 962 963 964 965 966 967 968 970 ' +
    '971 972 973 974 975 976 977 979 992 993 994 995 996 998'
  ).split(' '),
);

/** Whether a string is a known country calling code (`91`, `1`, `971`). */
export function isCountryCode(value: string): boolean {
  return COUNTRY_CODES.has(value);
}

const MIN_NATIONAL = 4;
const MAX_E164_DIGITS = 15;

/**
 * Turns the leading space a form or query decoder left in place of a `+` back into the `+`.
 * `" 919999999999"` -> `"+919999999999"`.
 */
export function restorePlus(value: string): string {
  if (value.charCodeAt(0) !== 32) return value;
  const trimmed = value.trimStart();
  const first = trimmed.charCodeAt(0);
  return first >= 48 && first <= 57 ? `+${trimmed}` : trimmed;
}

interface ParsedPhone {
  phone: PhoneNumber;
  /** Whether the value itself carried its country code (a `+`, `00`, or the default code in front). */
  explicitCountry: boolean;
}

function splitInternational(digits: string): [string, string] | null {
  for (let length = 1; length <= 3 && length < digits.length; length++) {
    const code = digits.slice(0, length);
    if (COUNTRY_CODES.has(code)) return [code, digits.slice(length)];
  }
  return null;
}

function parse(value: string, defaultCountryCode: string): ParsedPhone | null {
  const raw = restorePlus(value).trim();
  if (raw === '') return null;
  const plus = raw.charCodeAt(0) === 43;
  const digits = raw.replace(/\D+/g, '');
  let countryCode: string | null = null;
  let national: string | null = null;
  let explicitCountry = false;

  if (digits.length > 0 && !/[^\d\s+().-]/.test(raw)) {
    if (plus || digits.startsWith('00')) {
      const parts = splitInternational(plus ? digits : digits.slice(2));
      if (parts) [countryCode, national] = parts;
      explicitCountry = true;
    } else if (digits.charCodeAt(0) === 48) {
      national = digits.replace(/^0+/, '');
      countryCode = defaultCountryCode;
    } else if (digits.length > 10 && defaultCountryCode !== '' && digits.startsWith(defaultCountryCode)) {
      countryCode = defaultCountryCode;
      national = digits.slice(defaultCountryCode.length);
      explicitCountry = true;
    } else {
      national = digits;
      countryCode = defaultCountryCode;
    }
  }

  if (
    national === null ||
    countryCode === null ||
    countryCode === '' ||
    national.length < MIN_NATIONAL ||
    countryCode.length + national.length > MAX_E164_DIGITS
  ) {
    return { phone: { raw, e164: null, national: null, countryCode: null }, explicitCountry: false };
  }
  return { phone: { raw, e164: `+${countryCode}${national}`, national, countryCode }, explicitCountry };
}

/**
 * Normalises one phone value. `null` for an absent or empty value; a `PhoneNumber` whose `e164` is `null` for a
 * value with no usable number (`"anonymous"`).
 */
export function toPhoneNumber(value: unknown, defaultCountryCode: string): PhoneNumber | null {
  const text = typeof value === 'string' ? value : typeof value === 'number' ? String(value) : null;
  if (text === null) return null;
  return parse(text, defaultCountryCode)?.phone ?? null;
}

/**
 * One caller from two fields that may each hold the number with or without its country code (the in-call log's
 * `clid_raw` and `clid` disagree between MyOperator's own table and sample). `raw` is the first field's value;
 * the E.164 form comes from whichever field carried the country code.
 */
export function pickPhoneNumber(first: unknown, second: unknown, defaultCountryCode: string): PhoneNumber | null {
  const a = typeof first === 'string' || typeof first === 'number' ? parse(String(first), defaultCountryCode) : null;
  const b = typeof second === 'string' || typeof second === 'number' ? parse(String(second), defaultCountryCode) : null;
  if (!a) return b?.phone ?? null;
  if (!b || a.phone.e164 === b.phone.e164) return a.phone;
  const best = a.phone.e164 === null || (!a.explicitCountry && b.explicitCountry && b.phone.e164 !== null) ? b : a;
  return {
    raw: a.phone.raw,
    e164: best.phone.e164,
    national: best.phone.national,
    countryCode: best.phone.countryCode,
  };
}
