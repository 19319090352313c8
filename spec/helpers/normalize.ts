// The error normalizePayload() rejects a payload with, for specs that check why a payload is refused.

import { MyOperatorWebhookError, normalizePayload } from '../../lib';

/** The MyOperatorWebhookError a payload is rejected with; throws if it is accepted or fails another way. */
export function rejection(payload: unknown): MyOperatorWebhookError {
  try {
    normalizePayload(payload);
  } catch (error) {
    if (error instanceof MyOperatorWebhookError) return error;
    throw error;
  }
  throw new Error('expected the payload to be rejected');
}
