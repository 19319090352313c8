// Payload -> CallEvent: detects the format, validates it against its schema (compiled once) and normalises it.
// The one place that knows which formats exist.

import type { ErrorObject } from 'ajv';

import type { CallEvent, CallEventFormat } from '../core/call-event';
import { MyOperatorWebhookError } from '../core/errors';
import { isPlainObject } from '../core/values';
import { compileSchema, toValidationDetails, type PackageSchema } from '../schemas/ajv';
import { AFTER_CALL_KEYS, afterCallV1Schema, type AfterCallLog } from '../schemas/aftercall-v1';
import { IN_CALL_KEYS, inCallV1Schema, type InCallLog } from '../schemas/incall-v1';
import { V2_KEYS, v2Schema, type V2Event } from '../schemas/v2';
import { normalizeAfterCallLog } from './aftercall-v1';
import { normalizeInCallLog } from './incall-v1';
import { DEFAULT_NORMALIZE_OPTIONS, type NormalizeOptions } from './options';
import { isV2MessageEvent, normalizeV2Event } from './v2';

/** How one payload format is recognised, checked and normalised. */
interface PayloadFormat<T> {
  readonly format: CallEventFormat;
  readonly detect: (payload: Record<string, unknown>) => boolean;
  /** The schema errors of a detected payload; `null` when it may be normalised as `T`. */
  readonly validate: (payload: Record<string, unknown>) => ErrorObject[] | null;
  readonly normalize: (payload: T, options: NormalizeOptions, receivedAt: Date) => CallEvent;
}

/** A format's check by its JSON schema, compiled once. */
function bySchema<T>(schema: PackageSchema): PayloadFormat<T>['validate'] {
  const validate = compileSchema<T>(schema);
  return (payload) => (validate(payload) ? null : (validate.errors ?? []));
}

const validateV2Call = bySchema<V2Event>(v2Schema);

function definePayloadFormat<T>(format: PayloadFormat<T>): PayloadFormat<unknown> {
  return format as unknown as PayloadFormat<unknown>;
}

function hasAnyKey(keys: readonly string[]): (payload: Record<string, unknown>) => boolean {
  return (payload) => keys.some((key) => Object.hasOwn(payload, key));
}

// Most specific first: a v2 envelope also carries `company_id`, an in-call key.
const FORMATS: readonly PayloadFormat<unknown>[] = [
  definePayloadFormat<V2Event>({
    format: 'v2',
    detect: hasAnyKey(V2_KEYS),
    // A WhatsApp event on the same webhook has a payload of its own: it is acknowledged, never checked (a 4xx
    // would make MyOperator retry it for a day).
    validate: (payload) => (isV2MessageEvent(payload) ? null : validateV2Call(payload)),
    normalize: normalizeV2Event,
  }),
  definePayloadFormat<AfterCallLog>({
    format: 'aftercall-v1',
    detect: hasAnyKey(AFTER_CALL_KEYS),
    validate: bySchema<AfterCallLog>(afterCallV1Schema),
    normalize: normalizeAfterCallLog,
  }),
  definePayloadFormat<InCallLog>({
    format: 'incall-v1',
    detect: hasAnyKey(IN_CALL_KEYS),
    validate: bySchema<InCallLog>(inCallV1Schema),
    normalize: normalizeInCallLog,
  }),
];

/** Which format a decoded payload is in; `null` when it is none of them. */
export function detectFormat(payload: unknown): CallEventFormat | null {
  if (!isPlainObject(payload)) return null;
  return FORMATS.find((entry) => entry.detect(payload))?.format ?? null;
}

/**
 * Builds a CallEvent from a decoded payload. Throws `invalid_call_log` (422) with the failing paths when the
 * payload is of no known format or fails its format's schema.
 */
export function normalizePayload(
  payload: unknown,
  options: NormalizeOptions = DEFAULT_NORMALIZE_OPTIONS,
  receivedAt: Date = new Date(),
): CallEvent {
  if (!isPlainObject(payload)) {
    throw new MyOperatorWebhookError('invalid_call_log', {
      details: [{ path: '', message: 'must be a JSON object' }],
    });
  }
  const entry = FORMATS.find((candidate) => candidate.detect(payload));
  if (!entry) {
    throw new MyOperatorWebhookError('invalid_call_log', {
      details: [{ path: '', message: 'is not a MyOperator call log (no known field)' }],
    });
  }
  const errors = entry.validate(payload);
  if (errors !== null) {
    throw new MyOperatorWebhookError('invalid_call_log', { details: toValidationDetails(errors) });
  }
  return entry.normalize(payload, options, receivedAt);
}
