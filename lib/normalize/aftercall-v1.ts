// The after-call call log (short keys, sent once after the call) -> CallEvent `call_summary`. Reads lists by key
// and in any encoding, never by position, because real consumers broke on exactly that.

import { createCallEvent, type CallAgent, type CallEvent } from '../core/call-event';
import type { AfterCallAgent, AfterCallLeg, AfterCallLog, AfterCallParam } from '../schemas/aftercall-v1';
import type { NormalizeOptions } from './options';
import { pickPhoneNumber } from './phone';
import { toDate, toDurationSeconds } from './time';
import {
  agentNumbers,
  toCallStatus,
  toCountryCode,
  toDirection,
  toNumberText,
  toObjectList,
  toText,
  uniqueBy,
} from './values';

/** The `_pm` key whose value is the call's uid. */
const UID_PARAM = 'ui';

function uidOf(log: AfterCallLog): string | null {
  const entry = toObjectList<AfterCallParam>(log._pm).find((param) => toText(param.ky)?.toLowerCase() === UID_PARAM);
  return entry ? toText(entry.vl) : null;
}

/** Whether an agent picked up this leg: its dial status, its `_ac` or its status says so. */
function isAnswered(leg: AfterCallLeg): boolean {
  const dialStatus = toText(leg._ds)?.toUpperCase();
  return (
    dialStatus === 'ANSWER' ||
    dialStatus === 'ANSWERED' ||
    toText(leg._ac)?.toLowerCase() === 'received' ||
    toCallStatus(leg._su) === 'connected'
  );
}

function toAgent(agent: AfterCallAgent, defaultCountryCode: string): CallAgent {
  return {
    id: toText(agent._id),
    name: toText(agent._na),
    email: toText(agent._em),
    extension: toText(agent._ex),
    phone: pickPhoneNumber(agent._nr, agent._ct, defaultCountryCode),
  };
}

function agentKey(agent: CallAgent): string | null {
  return agent.id ?? agent.phone?.e164 ?? agent.name;
}

/** Normalises a validated after-call log. */
export function normalizeAfterCallLog(log: AfterCallLog, options: NormalizeOptions, receivedAt: Date): CallEvent {
  const event = createCallEvent('aftercall-v1', log, receivedAt);
  const legs = toObjectList<AfterCallLeg>(log._ld);
  const answeredLeg = legs.find(isAnswered);
  const answeringAgent = answeredLeg ? toObjectList<AfterCallAgent>(answeredLeg._rr)[0] : undefined;
  const agents = uniqueBy(
    legs.flatMap((leg) =>
      toObjectList<AfterCallAgent>(leg._rr).map((agent) => toAgent(agent, options.defaultCountryCode)),
    ),
    agentKey,
  );

  event.name = 'call_summary';
  event.uid = uidOf(log);
  event.id = toText(log._ai);
  event.companyId = toText(log._ci);
  event.direction = toDirection(log._ev);
  event.status = toCallStatus(log._su);
  event.caller = pickPhoneNumber(log._cl, log._cr, toCountryCode(log._cy) ?? options.defaultCountryCode);
  event.agents = agents;
  event.users = agentNumbers(agents);
  event.userPhoneNumber = answeringAgent
    ? (toNumberText(answeringAgent._ct) ?? toAgent(answeringAgent, options.defaultCountryCode).phone?.national ?? null)
    : null;
  event.dialStatus = toText((answeredLeg ?? legs.at(-1))?._ds);
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
