// A CallEvent as a queue carries it, and back: JSON-safe data with the times as ISO 8601 strings, and the job id
// derived from the event's de-duplication key.

import type { CallEvent } from '../core/call-event';
import type { SerializedCallEvent } from './call-queue';

const DATE_FIELDS = ['createdAt', 'callTime', 'startedAt', 'endedAt', 'receivedAt'] as const;

/** The event as JSON-safe data. */
export function serializeCallEvent(event: CallEvent): SerializedCallEvent {
  const data: Record<string, unknown> = { ...event };
  for (const field of DATE_FIELDS) {
    const value = event[field];
    data[field] = value === null ? null : value.toISOString();
  }
  return data;
}

/** The event a worker handles, from its job data. */
export function deserializeCallEvent(data: SerializedCallEvent): CallEvent {
  const event = { ...data } as Record<string, unknown>;
  for (const field of DATE_FIELDS) {
    const value = event[field];
    event[field] = typeof value === 'string' ? new Date(value) : null;
  }
  return event as unknown as CallEvent;
}

/** A job id the queue accepts, from the de-duplication key; a random one for an event without a key. */
export function queueJobId(key: string | null): string {
  if (key === null) return `r-${crypto.randomUUID()}`;
  return `k-${encodeURIComponent(key).replace(/%3A/g, '~')}`;
}
