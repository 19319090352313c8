// Times as MyOperator sends them: zone-less `YYYY-MM-DD HH:mm:ss` (UTC unless a time zone is configured),
// epoch seconds or milliseconds as numbers or strings, ISO 8601 with a zone (`Z`, `+00:00`, `+0530`, up to
// nanoseconds: Webhook v2 sends 9 fractional digits), and `HH:MM:SS` durations.

// Date, time, an optional fraction of any length (read to the millisecond, the rest cut off), an optional zone.
const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,3})\d*)?)?\s?(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)?$/;
const EPOCH = /^\d{1,16}(?:\.\d+)?$/;
// Below this an epoch number is read as seconds, above it as milliseconds (1e11 s is the year 5138).
const MILLISECONDS_FROM = 1e11;

const offsetFormatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = offsetFormatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    offsetFormatters.set(timeZone, formatter);
  }
  return formatter;
}

/** Throws a RangeError for a time zone the runtime does not know; returns it otherwise. */
export function assertTimeZone(timeZone: string): string {
  formatterFor(timeZone);
  return timeZone;
}

/** Milliseconds to add to UTC to get the wall time in `timeZone` at the instant `utcMs`. */
function zoneOffset(utcMs: number, timeZone: string): number {
  const parts = formatterFor(timeZone).formatToParts(new Date(utcMs));
  const field = (type: Intl.DateTimeFormatPartTypes): number => Number(parts.find((part) => part.type === type)?.value);
  const wall = Date.UTC(
    field('year'),
    field('month') - 1,
    field('day'),
    field('hour'),
    field('minute'),
    field('second'),
  );
  return wall - Math.floor(utcMs / 1000) * 1000;
}

function epochToDate(value: number): Date | null {
  if (!Number.isFinite(value) || value <= 0) return null;
  const date = new Date(value < MILLISECONDS_FROM ? value * 1000 : value);
  // Past 8.64e15 ms (year 275760) a Date is invalid: such an epoch is garbage, not a date.
  return Number.isNaN(date.getTime()) ? null : date;
}

/**
 * Reads a date-time. Zone-less wall times are read in `timeZone` (`null` = UTC); a value with its own zone (`Z`,
 * `+00:00`, `+0530`, `-05`) is read in that zone. Fractions of a second beyond milliseconds are cut off. Returns
 * `null` for an absent, empty, zero or unreadable value.
 */
export function toDate(value: unknown, timeZone: string | null = null): Date | null {
  if (typeof value === 'number') return epochToDate(value);
  if (typeof value !== 'string') return null;
  const text = value.trim();
  if (text === '') return null;
  if (EPOCH.test(text)) return epochToDate(Number(text));
  const parts = DATE_TIME.exec(text);
  if (parts) {
    const [, y, mo, d, h, mi, s, ms, zulu, sign, offsetHours, offsetMinutes] = parts;
    const utc = Date.UTC(
      Number(y),
      Number(mo) - 1,
      Number(d),
      Number(h),
      Number(mi),
      Number(s ?? 0),
      Number((ms ?? '0').padEnd(3, '0')),
    );
    // Date.UTC rolls out-of-range parts over (month 13, 30 February, 25:00): such a value is garbage, not a date.
    const check = new Date(utc);
    if (
      Number.isNaN(utc) ||
      check.getUTCFullYear() !== Number(y) ||
      check.getUTCMonth() !== Number(mo) - 1 ||
      check.getUTCDate() !== Number(d) ||
      check.getUTCHours() !== Number(h) ||
      check.getUTCMinutes() !== Number(mi) ||
      check.getUTCSeconds() !== Number(s ?? 0)
    ) {
      return null;
    }
    if (zulu !== undefined) return check;
    if (sign !== undefined) {
      const minutes = Number(offsetHours) * 60 + Number(offsetMinutes ?? 0);
      // Real offsets run from -12:00 to +14:00; anything past 18 hours (ISO's own bound) is garbage.
      if (minutes > 18 * 60 || Number(offsetMinutes ?? 0) > 59) return null;
      return new Date(utc - (sign === '-' ? -1 : 1) * minutes * 60_000);
    }
    if (timeZone === null || timeZone === 'UTC') return check;
    // The offset at the guessed instant, then once more at the corrected one (daylight-saving edges).
    let instant = utc - zoneOffset(utc, timeZone);
    instant = utc - zoneOffset(instant, timeZone);
    return new Date(instant);
  }
  const parsed = Date.parse(text);
  return Number.isNaN(parsed) ? null : new Date(parsed);
}

/** `HH:MM:SS` (hours may exceed 24), `MM:SS` or a number of seconds -> seconds; `null` when unreadable. */
export function toDurationSeconds(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? Math.round(value) : null;
  if (typeof value !== 'string') return null;
  const text = value.trim();
  if (text === '') return null;
  let seconds: number;
  if (/^\d+(?:\.\d+)?$/.test(text)) seconds = Math.round(Number(text));
  else {
    const match = /^(?:(\d+):)?(\d{1,2}):(\d{1,2})$/.exec(text);
    if (!match) return null;
    seconds = Number(match[1] ?? 0) * 3600 + Number(match[2]) * 60 + Number(match[3]);
  }
  // Hundreds of digits read as Infinity: garbage, not a duration.
  return Number.isFinite(seconds) ? seconds : null;
}
