// The after-call call log (short keys, sent once after the call) -> CallEvent `call_summary`. Reads lists by key
// and in any encoding, never by position, because real consumers broke on exactly that.

import { createCallEvent, type CallAgent, type CallEvent } from '../core/call-event';
import type { AfterCallAgent, AfterCallLeg, AfterCallLog, AfterCallParam } from '../schemas/aftercall-v1';
import { isAnsweredLeg, readAgentLegs, toCallAgent, type AgentLeg } from './agents';
import type { NormalizeOptions } from './options';
import { pickPhoneNumber } from './phone';
import { toDate, toDurationSeconds } from './time';
import { toCallStatus, toCountryCode, toDirection, toNumberText, toObjectList, toText } from './values';

/** The `_pm` key whose value is the call's uid. */
const UID_PARAM = 'ui';

function uidOf(log: AfterCallLog): string | null {
  const entry = toObjectList<AfterCallParam>(log._pm).find((param) => toText(param.ky)?.toLowerCase() === UID_PARAM);
  return entry ? toText(entry.vl) : null;
}

function toAgent(agent: AfterCallAgent, defaultCountryCode: string): CallAgent | null {
  return toCallAgent({
    id: toText(agent._id),
    name: toText(agent._na),
    email: toText(agent._em),
    extension: toText(agent._ex),
    phone: pickPhoneNumber(agent._nr, agent._ct, defaultCountryCode),
  });
}

/** A `_ld` leg: its agents `_rr`; answered when its `_ds` is ANSWER, its `_ac` received or its `_su` 1. */
function toAgentLeg(leg: AfterCallLeg, defaultCountryCode: string): AgentLeg {
  const people = toObjectList<AfterCallAgent>(leg._rr);
  const agents = people.flatMap((person) => toAgent(person, defaultCountryCode) ?? []);
  const first = people[0];
  const dialStatus = toText(leg._ds);
  return {
    agents,
    // The 10-digit `_ct`, as the query field "User's phone number" gives it, else the national part of `_nr`.
    number: first ? (toNumberText(first._ct) ?? agents[0]?.phone?.national ?? null) : null,
    dialStatus,
    answered: isAnsweredLeg({ dialStatus, result: leg._ac, connected: toCallStatus(leg._su) === 'connected' }),
    settled: dialStatus !== null || toText(leg._ac) !== null || toText(leg._su) !== null,
  };
}

/** Normalises a validated after-call log. */
export function normalizeAfterCallLog(log: AfterCallLog, options: NormalizeOptions, receivedAt: Date): CallEvent {
  const event = createCallEvent('aftercall-v1', log, receivedAt);
  const legs = toObjectList<AfterCallLeg>(log._ld).map((leg) => toAgentLeg(leg, options.defaultCountryCode));
  const agentFields = readAgentLegs(legs, false);

  event.name = 'call_summary';
  event.uid = uidOf(log);
  event.id = toText(log._ai);
  event.companyId = toText(log._ci);
  event.direction = toDirection(log._ev);
  event.status = toCallStatus(log._su);
  event.caller = pickPhoneNumber(log._cl, log._cr, toCountryCode(log._cy) ?? options.defaultCountryCode);
  event.agents = agentFields.agents;
  event.users = agentFields.users;
  event.userPhoneNumber = agentFields.userPhoneNumber;
  event.dialStatus = agentFields.dialStatus;
  event.createdAt = toDate(log._ts, options.timeZone);
  event.startedAt = toDate(log._st, options.timeZone) ?? toDate(log._ms, options.timeZone);
  event.endedAt = toDate(log._et, options.timeZone);
  event.durationSeconds =
    toDurationSeconds(log._dr) ??
    (event.startedAt && event.endedAt
      ? Math.max(0, Math.round((event.endedAt.getTime() - event.startedAt.getTime()) / 1000))
      : null);

  const departmentId = toText(log._di);
  const departmentName = toText(log._dn);
  event.department =
    departmentId === null && departmentName === null ? null : { id: departmentId, name: departmentName };
  const filename = toText(log._fn);
  const url = toText(log._fu);
  event.recording = filename === null && url === null ? null : { filename, url };

  event.referenceId = toText(log._ri);
  event.jobId = toText(log._ji);
  event.publicIvrId = toText(log._ivid);
  event.clientRefId = toText(log._cri);
  return event;
}
