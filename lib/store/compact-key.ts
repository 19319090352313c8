// Store keys come from request data (uids, de-duplication keys): one over-long value must not make a store keep
// its size per event, so both stores hold such keys as their SHA-256, the same way.

import { createHash } from 'node:crypto';

/** Keys longer than this are held as their SHA-256. */
export const MAX_KEY_LENGTH = 200;

/** The key as a store keeps it: as it is, or `sha256:<base64>` past `MAX_KEY_LENGTH` characters. */
export function compactKey(key: string): string {
  return key.length <= MAX_KEY_LENGTH ? key : `sha256:${createHash('sha256').update(key).digest('base64')}`;
}
