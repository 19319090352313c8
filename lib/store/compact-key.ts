// Store keys come from request data (uids, de-duplication keys): one over-long value must not make a store keep
// its size per event, so both stores hold such keys as their SHA-256, the same way. Web-standard only: the
// in-memory store is part of the Fetch API entry (Deno, Workers), so no node:crypto and no Buffer here.

import { sha256, toBase64 } from '../core/sha256';

/** Keys longer than this are held as their SHA-256. */
export const MAX_KEY_LENGTH = 200;

/**
 * The key as a store keeps it: as it is, or `sha256:<base64 of the SHA-256 of its UTF-8>` past `MAX_KEY_LENGTH`
 * characters (the same string `node:crypto` gives, so keys already in a Redis keep matching).
 */
export function compactKey(key: string): string {
  return key.length <= MAX_KEY_LENGTH ? key : `sha256:${toBase64(sha256(key))}`;
}
