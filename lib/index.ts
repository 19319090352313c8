// The public entry point: re-exports only.

export { authenticate, type AuthenticateOptions, type BasicCredentials } from './express/authenticate';
export {
  createCallEvent,
  type CallAgent,
  type CallDepartment,
  type CallDirection,
  type CallEvent,
  type CallEventFormat,
  type CallRecording,
  type CallStatus,
  type PhoneNumber,
} from './core/call-event';
export {
  CallEvents,
  defaultDedupeKey,
  type CallEventContext,
  type CallEventHandler,
  type CallEventsError,
  type CallEventsLogger,
  type CallEventsMiddlewareOptions,
  type CallEventsOptions,
  type DedupeOptions,
  type ErrorHandler,
  type ReceiveResult,
  type SessionsOptions,
  type Unsubscribe,
} from './dispatch/call-events';
export {
  CALL_EVENTS,
  CALL_EVENT_NAMES,
  callEventNameForState,
  callEventNameForV2Type,
  type CallEventDefinition,
  type CallEventHandlerMethod,
  type CallEventName,
} from './core/call-states';
export { webhookErrorHandler } from './express/error-handler';
export {
  ERROR_STATUS,
  HandlerError,
  isMyOperatorWebhookError,
  MyOperatorWebhookError,
  StoreError,
  type ErrorCode,
  type MyOperatorWebhookErrorOptions,
  type ValidationDetail,
} from './core/errors';
export { mapQueryParams, type MapQueryParamsOptions, type QueryParamMapping } from './express/map-query-params';
export { detectFormat, normalizePayload } from './normalize';
export type { NormalizeOptions } from './normalize/options';
export { parseMyOperatorBody, type ParseMyOperatorBodyOptions } from './express/parse-body';
export { QUERY_FIELDS, type QueryFieldKey, type QueryFieldLabel } from './normalize/query';
export type { CallEventRequest } from './express/request';
export { buildCallSession, type CallOutcome, type CallSession, type CallSessionEvent } from './dispatch/session';
export type { CallStore, SessionEventRecord, StoreRecordRequest, StoreRecordResult } from './store/call-store';
export { MemoryStore, type MemoryStoreOptions } from './store/memory-store';
export { RedisStore, type RedisStoreClient, type RedisStoreOptions } from './store/redis-store';
export { myOperatorWebhook, type MyOperatorWebhookOptions } from './express/webhook';
