// myoperator-webhooks/testing: MyOperator's sample payloads, builders for the requests MyOperator sends, and
// whole simulated calls, so that apps can test their own handlers (and this package can test itself).

export { AFTER_CALL_LOG, IN_CALL_LOG, V2_CALL_SUMMARY } from './fixtures';
export * from './builders';
export * from './scenarios';
