// The body size limit: bytes, or a string such as `'100kb'` (body-parser's units: b, kb, mb, gb; 1024-based).

import { optionError } from '../core/options';

const UNITS: Readonly<Record<string, number>> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };

/** The limit in bytes. */
export function parseLimit(factory: string, value: unknown, fallback: string): number {
  const limit = value ?? fallback;
  if (typeof limit === 'number') {
    if (Number.isInteger(limit) && limit > 0) return limit;
  } else if (typeof limit === 'string') {
    const match = /^\s*(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?\s*$/i.exec(limit);
    if (match) {
      const bytes = Math.floor(Number(match[1]) * (UNITS[(match[2] ?? 'b').toLowerCase()] ?? 1));
      if (bytes > 0) return bytes;
    }
    throw optionError(factory, `"limit" is not a size: ${JSON.stringify(limit)}`);
  }
  throw optionError(factory, '"limit" must be a positive number of bytes or a string such as "100kb"');
}
