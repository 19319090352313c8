// The in-call call log exactly as MyOperator's in-call webhook documentation prints it (one key a line, no
// indentation), for the requests that send it the way the docs' `curl -d myoperator=<call log>` does.

/** The seed's call log, character for character as printed in the docs (call_state "1"). */
export const PRINTED_CALL_LOG = `{
"id": "5f25296c4122c135",
"uid": "n2.1596270949.2175190",
"reference_id": "fd771ed0-d3d1-11ea-935a-9a5b7644c4f0",
"company_id": "5cd40f6554442586",
"clid_raw": "919711636496",
"clid": "9711636496",
"rdnis": "unknown",
"call_state": "1",
"event": "2",
"status": null,
"users": [
"918586848544"
],
"created": "2020-08-01 08:35:56",
"call_time": "2020-08-01 08:35:56",
"public_ivr_id": "5ee9a795b318a786",
"client_ref_id": "fdfdfdf",
"job_id": null
}`;

/** The printed call log with another call state (and, optionally, another uid). */
export function printedCallLog(callState: string, uid?: string): string {
  let text = PRINTED_CALL_LOG.replace('"call_state": "1"', `"call_state": "${callState}"`);
  if (uid !== undefined) text = text.replace('"uid": "n2.1596270949.2175190"', `"uid": "${uid}"`);
  return text;
}
