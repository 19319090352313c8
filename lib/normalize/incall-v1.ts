// The in-call call log (long keys, MyOperator's in-call webhook documentation) -> CallEvent.

import { createCallEvent, type CallEvent } from '../core/call-event';
import { callEventNameForState } from '../core/call-states';
import type { InCallLog } from '../schemas/incall-v1';
import { toUserNumbers } from './agents';
import type { NormalizeOptions } from './options';
import { pickPhoneNumber } from './phone';
import { toDate } from './time';
import { toCallStatus, toDirection, toInteger, toNumberText, toText, toTextList } from './values';

/** Normalises a validated in-call log. */
export function normalizeInCallLog(log: InCallLog, options: NormalizeOptions, receivedAt: Date): CallEvent {
  const event = createCallEvent('incall-v1', log, receivedAt);
  const callState = toInteger(log.call_state);
  event.name = callEventNameForState(callState);
  event.callState = callState;
  event.uid = toText(log.uid);
  event.id = toText(log.id);
  event.companyId = toText(log.company_id);
  event.direction = toDirection(log.event);
  event.status = toCallStatus(log.status);
  event.caller = pickPhoneNumber(log.clid_raw, log.clid, options.defaultCountryCode);
  event.serviceNumber = toNumberText(log.rdnis);
  event.users = toUserNumbers(toTextList(log.users), options.defaultCountryCode);
  event.createdAt = toDate(log.created, options.timeZone);
  event.callTime = toDate(log.call_time, options.timeZone);
  event.referenceId = toText(log.reference_id);
  event.clientRefId = toText(log.client_ref_id);
  event.publicIvrId = toText(log.public_ivr_id);
  event.jobId = toText(log.job_id);
  return event;
}
