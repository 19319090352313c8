// myoperator-webhooks/testing: MyOperator's sample payloads, builders for the requests MyOperator sends, and
// whole simulated calls, so that apps can test their own handlers (and this package can test itself).

export {
  AFTER_CALL_LOG,
  IN_CALL_LOG,
  V2_CALL_ANSWERED,
  V2_CALL_END,
  V2_CALL_SUMMARY,
  V2_CALL_SUMMARY_HUNT,
  V2_CALL_SUMMARY_OBD,
  V2_DISPOSITION,
  V2_WHATSAPP_MESSAGE,
} from './fixtures';
export * from './builders';
export * from './scenarios';
