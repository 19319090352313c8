// MyOperator's Webhook v2 envelope -> CallEvent. The event type -> name mapping lives in the call-state table;
// any type it does not know becomes `unknown` (accepted, never rejected), so new MyOperator events do not break.
// WhatsApp events share the endpoint: they become `message` events with no uid, so they never make a call.

import { createCallEvent, type CallEvent } from '../core/call-event';
import { callEventDefinition, callEventNameForV2Type, type CallEventName } from '../core/call-states';
import { isPlainObject } from '../core/values';
import type { V2Event, V2Leg, V2Payload } from '../schemas/v2';
import { answeredLegIndex, isAnsweredLeg, readAgentLegs, toCallAgent, type AgentLeg } from './agents';
import type { NormalizeOptions } from './options';
import { pickPhoneNumber, toPhoneNumber } from './phone';
import { toDate, toDurationSeconds } from './time';
import { toCallStatus, toDirection, toInteger, toNumberText, toText } from './values';

/** The channel of call events; every other channel (WhatsApp) carries messages. */
const CALL_CHANNEL = 'call';

/** `message.`, `conversation.`: the type prefixes of the `message` row of the call-state table. */
const MESSAGE_TYPE_PREFIXES: readonly string[] = [
  ...new Set(callEventDefinition('message').v2EventTypes.map((type) => type.slice(0, type.indexOf('.') + 1))),
];

/**
 * Whether a v2 envelope is a WhatsApp event rather than a call event: its `channel` is given and is not `call`,
 * or its `event_type` is `message.*` / `conversation.*`. Such an event is acknowledged as `message`, whatever
 * its payload looks like.
 */
export function isV2MessageEvent(envelope: Readonly<Record<string, unknown>>): boolean {
  const channel = toText(envelope.channel)?.toLowerCase();
  if (channel !== undefined && channel !== CALL_CHANNEL) return true;
  const type = toText(envelope.event_type)?.toLowerCase();
  return type !== undefined && MESSAGE_TYPE_PREFIXES.some((prefix) => type.startsWith(prefix));
}

/** The legs of type `agent`, in `leg_index` order (array order where it is missing). */
function agentLegsOf(payload: V2Payload): V2Leg[] {
  const legs = (payload.legs ?? []).filter((leg) => toText(leg.type)?.toLowerCase() === 'agent');
  const index = (leg: V2Leg): number => toInteger(leg.leg_index) ?? Number.MAX_SAFE_INTEGER;
  return legs.sort((a, b) => index(a) - index(b));
}

/**
 * One agent leg. `call.summary` names the agent in `agent` (which may be `null`, its `email` too); `call.end`
 * and the live events carry only the leg's `phone_number` (the agent's number), `dial_status` and `result`.
 */
function toAgentLeg(leg: V2Leg, defaultCountryCode: string): AgentLeg {
  const agent = isPlainObject(leg.agent) ? leg.agent : null;
  const record = toCallAgent({
    id: toText(agent?.uuid),
    name: toText(agent?.name),
    email: toText(agent?.email),
    extension: toText(agent?.extension),
    phone: agent
      ? pickPhoneNumber(agent.contact, leg.phone_number, defaultCountryCode)
      : toPhoneNumber(leg.phone_number, defaultCountryCode),
  });
  const dialStatus = toText(leg.dial_status);
  return {
    agents: record ? [record] : [],
    number: toNumberText(agent?.contact) ?? toNumberText(leg.phone_number),
    dialStatus,
    answered: isAnsweredLeg({ dialStatus, result: leg.result, answeredAt: leg.answered_at }),
    settled: dialStatus !== null || toText(leg.result) !== null,
  };
}

/** The latest of the dates the legs give for a field, or `null`. */
function latest(legs: readonly V2Leg[], field: 'started_at' | 'ended_at', timeZone: string | null): Date | null {
  let result: Date | null = null;
  for (const leg of legs) {
    const date = toDate(leg[field], timeZone);
    if (date !== null && (result === null || date > result)) result = date;
  }
  return result;
}

/**
 * When the event happened, from the time the payload gives for what it reports (`timestamp` is when the event
 * was sent, and a retry is sent later): a call's start, a dial's start, an answer, a call's end (a disposition:
 * the end of its call). Live events whose legs carry no times, and unknown types, take `timestamp`.
 */
function eventTime(
  name: CallEventName,
  payload: V2Payload,
  agentLegs: readonly V2Leg[],
  answeredLeg: V2Leg | undefined,
  sentAt: Date | null,
  timeZone: string | null,
): Date | null {
  switch (name) {
    case 'incoming_call':
    case 'ivr_started':
      return toDate(payload.started_at, timeZone) ?? sentAt;
    case 'dialing_users':
      return latest(agentLegs, 'started_at', timeZone) ?? sentAt;
    case 'user_answered':
      return toDate(answeredLeg?.answered_at, timeZone) ?? toDate(payload.answered_at, timeZone) ?? sentAt;
    case 'call_finished':
    case 'call_summary':
      return toDate(payload.ended_at, timeZone) ?? latest(agentLegs, 'ended_at', timeZone) ?? sentAt;
    case 'disposition':
      // Submitted once the call is over: its end (the call stage puts it after the end and the summary).
      return toDate(payload.ended_at, timeZone) ?? sentAt;
    default:
      return sentAt;
  }
}

/** A WhatsApp event: acknowledged, never a call. No uid (its session is a conversation); all of it in `raw`. */
function normalizeV2Message(envelope: V2Event, options: NormalizeOptions, receivedAt: Date): CallEvent {
  const event = createCallEvent('v2', envelope, receivedAt);
  event.name = 'message';
  event.id = toText(envelope.event_id);
  event.companyId = toText(envelope.company_id);
  event.direction = toDirection(envelope.direction);
  event.caller = toPhoneNumber(envelope.customer_identifier, options.defaultCountryCode);
  event.createdAt = toDate(envelope.timestamp, options.timeZone);
  event.callTime = event.createdAt;
  event.sequence = toInteger(envelope.event_sequence);
  return event;
}

/** Normalises a v2 envelope (a call event validated by its schema, or any WhatsApp event). */
export function normalizeV2Event(envelope: V2Event, options: NormalizeOptions, receivedAt: Date): CallEvent {
  if (isV2MessageEvent(envelope)) return normalizeV2Message(envelope, options, receivedAt);
  const event = createCallEvent('v2', envelope, receivedAt);
  const payload = envelope.payload ?? {};
  const name = callEventNameForV2Type(envelope.event_type);
  const legs = agentLegsOf(payload);
  const agentLegs = legs.map((leg) => toAgentLeg(leg, options.defaultCountryCode));
  const agentFields = readAgentLegs(agentLegs, name === 'user_answered');
  const answeredLeg = legs[answeredLegIndex(agentLegs, name === 'user_answered')];

  event.name = name;
  event.id = toText(envelope.event_id);
  event.uid = toText(envelope.session_id) ?? toText(payload.id);
  event.companyId = toText(envelope.company_id);
  event.direction = toDirection(envelope.direction) ?? toDirection(payload.direction);
  event.status = toCallStatus(payload.status);
  event.caller = pickPhoneNumber(envelope.customer_identifier, payload.customer_number, options.defaultCountryCode);
  // `system_identifier` is the DID that was called; `call.summary` sends it `null` or "" by design.
  event.serviceNumber = toNumberText(envelope.system_identifier) ?? toNumberText(payload.did);
  event.createdAt = toDate(envelope.timestamp, options.timeZone);
  event.callTime = eventTime(name, payload, legs, answeredLeg, event.createdAt, options.timeZone);
  event.sequence = toInteger(envelope.event_sequence);
  event.startedAt = toDate(payload.started_at, options.timeZone);
  event.endedAt = toDate(payload.ended_at, options.timeZone);
  event.durationSeconds = toDurationSeconds(payload.duration);

  const filename = toText(payload.recording_filename);
  const url = toText(payload.recording_url);
  event.recording = filename === null && url === null ? null : { filename, url };
  const department = isPlainObject(payload.department) ? payload.department : null;
  const departmentId = toText(department?.id);
  const departmentName = toText(department?.name);
  event.department =
    departmentId === null && departmentName === null ? null : { id: departmentId, name: departmentName };

  event.referenceId = toText(payload.ref_id);
  event.clientRefId = toText(payload.client_ref_id);
  event.jobId = toText(isPlainObject(payload.obd_campaign) ? payload.obd_campaign.job_id : null);

  event.agents = agentFields.agents;
  event.users = agentFields.users;
  event.userPhoneNumber = agentFields.userPhoneNumber;
  event.dialStatus = agentFields.dialStatus;
  return event;
}
