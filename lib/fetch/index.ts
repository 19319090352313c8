// myoperator-webhooks/fetch: the webhook for the Web Fetch API (Next.js route handlers, Hono, Bun, Deno,
// Cloudflare Workers), with CallEvents and the types it needs. Its whole import graph is Web-standard: no node:*
// module, no Express, body-parser or basic-auth.

export type {
  CallAgent,
  CallDepartment,
  CallDirection,
  CallEvent,
  CallEventFormat,
  CallRecording,
  CallStatus,
  PhoneNumber,
} from '../core/call-event';
export { CALL_EVENTS, CALL_EVENT_NAMES, type CallEventName } from '../core/call-states';
export {
  HandlerError,
  isMyOperatorWebhookError,
  MyOperatorWebhookError,
  QueueError,
  StoreError,
  type ErrorCode,
  type ValidationDetail,
} from '../core/errors';
export { CallEvents, type CallEventHandler, type ReceiveResult } from '../dispatch/call-events';
export type { CallEventContext } from '../dispatch/context';
export type { CallEventsOptions, DedupeOptions, SessionsOptions } from '../dispatch/options';
export type { CallSession } from '../dispatch/session';
export type { AuthenticateOptions, BasicCredentials } from '../pipeline/auth';
export type { QueryParamMapping } from '../pipeline/query-mapping';
export type { MyOperatorHandlerOptions } from '../pipeline/webhook';
export type { CallStore } from '../store/call-store';
export { MemoryStore, type MemoryStoreOptions } from '../store/memory-store';
export { myOperatorFetchHandler, type FetchWebhookHandler } from './handler';
