// The settings every normaliser reads (`defaultCountryCode`, `timeZone`), checked and resolved once by the factory
// that takes them.

import { describe, optionError, optionKeys } from '../core/options';
import { assertTimeZone } from './time';

/** Resolved normalisation settings. */
export interface NormalizeOptions {
  /** Country calling code for numbers sent without one (`"91"`). */
  readonly defaultCountryCode: string;
  /** IANA zone for zone-less date strings; `null` = UTC. */
  readonly timeZone: string | null;
}

export const DEFAULT_NORMALIZE_OPTIONS: NormalizeOptions = Object.freeze({ defaultCountryCode: '91', timeZone: null });

/** The normalisation options a factory takes (`parseMyOperatorBody`, `mapQueryParams`, the webhook adapters). */
export interface NormalizeSettings {
  /**
   * Country calling code for phone numbers sent without one.
   * @default '91'
   */
  defaultCountryCode?: string;
  /**
   * IANA time zone of zone-less date strings (`created`, `call_time`).
   * @default 'UTC'
   */
  timeZone?: string;
}

/** The names of the normalisation options, shared by the factories that accept them. */
export const NORMALIZE_OPTION_KEYS = optionKeys<NormalizeSettings>()(['defaultCountryCode', 'timeZone']);

/** Reads `defaultCountryCode` and `timeZone` into resolved normalisation settings. */
export function readNormalizeOptions(factory: string, options: Readonly<Record<string, unknown>>): NormalizeOptions {
  const { defaultCountryCode, timeZone } = options;
  if (defaultCountryCode === undefined && timeZone === undefined) return DEFAULT_NORMALIZE_OPTIONS;
  let code = DEFAULT_NORMALIZE_OPTIONS.defaultCountryCode;
  if (defaultCountryCode !== undefined) {
    if (typeof defaultCountryCode !== 'string' || !/^\+?\d{1,3}$/.test(defaultCountryCode)) {
      throw optionError(factory, '"defaultCountryCode" must be a country calling code of 1 to 3 digits, such as "91"');
    }
    code = defaultCountryCode.replace('+', '');
  }
  let zone: string | null = null;
  if (timeZone !== undefined) {
    if (typeof timeZone !== 'string' || timeZone === '') {
      throw optionError(factory, `"timeZone" must be an IANA time zone name, got ${describe(timeZone)}`);
    }
    try {
      zone = assertTimeZone(timeZone) === 'UTC' ? null : timeZone;
    } catch {
      throw optionError(factory, `"timeZone" is not a time zone this runtime knows: "${timeZone}"`);
    }
  }
  return Object.freeze({ defaultCountryCode: code, timeZone: zone });
}
