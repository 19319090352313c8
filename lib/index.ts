// The public entry point: re-exports only, in the order data flows: the domain (core, normalise, dispatch,
// stores, queue contract), then the adapters (Express, node:http, Fetch API).

// Core: the call-state table, the normalised event, the errors.
export {
  CALL_EVENTS,
  CALL_EVENT_NAMES,
  callEventNameForState,
  callEventNameForV2Type,
  type CallEventDefinition,
  type CallEventHandlerMethod,
  type CallEventName,
} from './core/call-states';
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
  ERROR_CODES,
  ERROR_HINTS,
  ERROR_STATUS,
  HandlerError,
  isMyOperatorWebhookError,
  MyOperatorWebhookError,
  QueueError,
  RESPONSE_ERROR_CODES,
  StoreError,
  type ErrorCode,
  type ErrorHint,
  type HandlerErrorAttempt,
  type MyOperatorWebhookErrorOptions,
  type ValidationDetail,
} from './core/errors';

// Normalisation: payload formats and the panel's query fields.
export { detectFormat, normalizePayload } from './normalize';
export type { NormalizeOptions, NormalizeSettings } from './normalize/options';
export { QUERY_FIELDS, type QueryFieldKey, type QueryFieldLabel } from './normalize/query';

// Dispatch: handlers, receive(), sessions, durable delivery, shutdown.
export {
  CallEvents,
  type CallEventHandler,
  type CloseOptions,
  type CloseResult,
  type ReceiveResult,
  type WorkOptions,
} from './dispatch/call-events';
export type { AdapterRequest, CallEventContext, CallEventRequests } from './dispatch/context';
export { defaultDedupeKey, type CallEventsOptions, type DedupeOptions, type SessionsOptions } from './dispatch/options';
export type { Unsubscribe } from './dispatch/registry';
export type { CallEventsError, ErrorHandler } from './dispatch/reporter';
export { buildCallSession, type CallOutcome, type CallSession, type CallSessionEvent } from './dispatch/session';
export type { CallEventsLogger, LogFields, LogLevel, LogMethod } from './observe/logger';
export type { MetricsRegistry } from './observe/metrics';

// Stores and the queue contract (BullMQQueue is in myoperator-webhooks/bullmq).
export type { CallStore, SessionEventRecord, StoreRecordRequest, StoreRecordResult } from './store/call-store';
export { MemoryStore, type MemoryStoreOptions } from './store/memory-store';
export { RedisStore, type RedisStoreClient, type RedisStoreOptions } from './store/redis-store';
export type {
  CallQueue,
  CallQueueCounts,
  CallQueueJob,
  CallQueueWorker,
  CallQueueWorkOptions,
  EnqueueOptions,
  QueuedCallEvent,
  QueuedTraceContext,
  SerializedCallEvent,
} from './queue/call-queue';

// The framework-free pipeline's option types.
export type { AuthenticateOptions, BasicCredentials } from './pipeline/auth';
export type { DispatchOptions } from './pipeline/dispatch';
export type { QueryParamMapping } from './pipeline/query-mapping';
export type {
  MyOperatorHandlerOptions,
  MyOperatorWebhookOptions,
  ParseMyOperatorBodyOptions,
} from './pipeline/webhook';

// Adapters: Express (the pieces and the Router), node:http, the Fetch API. The Express adapter installs
// `calls.middleware()` on CallEvents when it loads.
import './express/dispatch';
export { authenticate } from './express/authenticate';
export type { CallEventsMiddlewareOptions } from './express/dispatch';
export { webhookErrorHandler } from './express/error-handler';
export { mapQueryParams, type MapQueryParamsOptions } from './express/map-query-params';
export { parseMyOperatorBody } from './express/parse-body';
export {
  withCallEvent,
  type CallEventRequest,
  type CallEventRequestHandler,
  type MyOperatorDispatchResult,
} from './express/request';
export { myOperatorWebhook } from './express/webhook';
export { myOperatorNodeHandler, type NodeNext, type NodeWebhookHandler } from './node/handler';
export { myOperatorFetchHandler, type FetchWebhookHandler } from './fetch/handler';
