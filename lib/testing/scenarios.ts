// Whole calls as the payloads MyOperator sends for them, in the seed's order of call states, with one uid per call
// and realistic times: for the simulator CLI, the example app, and users' own tests.

import { createHash } from 'node:crypto';

import { callEventNameForState, callEventNameForV2Type, type CallEventName } from '../core/call-states';
import type { CallOutcome } from '../dispatch/session';
import { buildAfterCallLog, buildInCallLog, buildV2Event, type WebhookBodyEncoding } from './builders';

/** How the payloads of a scenario travel: the v1 form body, the v1 log as a JSON body, or Webhook v2. */
export type ScenarioFormat = 'incall-v1' | 'json' | 'v2';

/** Every scenario format. */
export const SCENARIO_FORMATS: readonly ScenarioFormat[] = ['incall-v1', 'json', 'v2'];

/** What one scenario is: the in-call states it plays, in order, and whether the after-call log follows. */
export interface ScenarioDefinition {
  readonly description: string;
  readonly direction: 'incoming' | 'outgoing';
  /** MyOperator's in-call `call_state` values, in the order MyOperator sends them. */
  readonly states: readonly number[];
  /** The after-call log (`call_summary`) is sent once the call is over. */
  readonly afterCall: boolean;
  /** How the call ends, as `CallSession.outcome` reports it. */
  readonly outcome: Exclude<CallOutcome, 'in_progress'>;
}

/**
 * The calls the simulator can play, in the seed's order of states.
 * @example SCENARIOS.answered.states // [1, 5, 6, 2]
 */
export const SCENARIOS = {
  answered: {
    description: 'An incoming call that an agent answers',
    direction: 'incoming',
    states: [1, 5, 6, 2],
    afterCall: true,
    outcome: 'answered',
  },
  missed: {
    description: 'An incoming call that no agent answers',
    direction: 'incoming',
    states: [1, 5, 2],
    afterCall: true,
    outcome: 'missed',
  },
  'click-to-call': {
    description: 'An agent calls a customer (click to call), who answers',
    direction: 'outgoing',
    states: [3, 6, 2],
    afterCall: true,
    outcome: 'answered',
  },
  'click-to-call-rejected': {
    description: 'A click-to-call the customer rejects',
    direction: 'outgoing',
    states: [3, 7],
    afterCall: false,
    outcome: 'rejected',
  },
  'click-to-call-no-answer': {
    description: 'A click-to-call nobody picks up',
    direction: 'outgoing',
    states: [3, 9],
    afterCall: false,
    outcome: 'no_answer',
  },
  'obd-no-answer': {
    description: 'An outbound (OBD) campaign call the first party does not answer',
    direction: 'outgoing',
    states: [4],
    afterCall: false,
    outcome: 'no_answer',
  },
} as const satisfies Record<string, ScenarioDefinition>;

/** The name of a scenario. */
export type ScenarioName = keyof typeof SCENARIOS;

/** Every scenario name, in the order above. */
export const SCENARIO_NAMES = Object.keys(SCENARIOS) as ScenarioName[];

/** Whether a string names a scenario. */
export function isScenarioName(value: unknown): value is ScenarioName {
  return typeof value === 'string' && Object.hasOwn(SCENARIOS, value);
}

/** An agent (MyOperator "user") of a scenario. */
export interface ScenarioAgent {
  id: string;
  name: string;
  email: string;
  extension: string;
  /** E.164, `+918586848544`. */
  phone: string;
}

/** The agents scenarios pick from (the first is the one of MyOperator's after-call sample). */
export const SCENARIO_AGENTS: readonly Readonly<ScenarioAgent>[] = [
  { id: '5cd40f6556f2f124', name: 'Sumit', email: 'sumit.arya@myoperator.co', extension: '10', phone: '+918586848544' },
  { id: '5cd40f6556f2f131', name: 'Priya Sharma', email: 'priya@example.com', extension: '11', phone: '+919810012345' },
  { id: '5cd40f6556f2f147', name: 'Arjun Mehta', email: 'arjun@example.com', extension: '12', phone: '+919820054321' },
  { id: '5cd40f6556f2f152', name: 'Neha Kapoor', email: 'neha@example.com', extension: '14', phone: '+919830098765' },
];

/** The callers scenarios pick from (the first is the one of MyOperator's samples). */
export const SCENARIO_CALLERS: readonly string[] = [
  '+919711636496',
  '+919876543210',
  '+918800112233',
  '+917303344556',
  '+919958876543',
  '+918447712345',
  '+919650023456',
  '+917011198765',
];

export interface ScenarioOptions {
  /**
   * How the payloads travel.
   * @default 'incall-v1'
   */
  format?: ScenarioFormat;
  /**
   * The call's number within a run: picks the caller, the agent and the durations, so that a run of calls varies
   * and the same index always gives the same call.
   * @default 0
   */
  index?: number;
  /**
   * When the call starts.
   * @default the seed's call time plus `index` minutes
   */
  startedAt?: Date;
  /**
   * The call's uid, shared by all its payloads.
   * @default `n2.<epoch seconds of startedAt>.<2175190 + index>`
   */
  uid?: string;
  /** The customer's number in E.164. @default one of SCENARIO_CALLERS, by index */
  caller?: string;
  /** The agent dialled (and who answers, when somebody does). @default one of SCENARIO_AGENTS, by index */
  agent?: Readonly<ScenarioAgent>;
  /** Seconds from the call's start to the answer, or to the end of an unanswered call. @default 6-25, by index */
  ringSeconds?: number;
  /** Seconds from the answer to the end. @default 20-300, by index */
  talkSeconds?: number;
  /** @default '5cd40f6554442586' (the seed's) */
  companyId?: string;
  /** The company's number the call came in on. @default '918065550000' */
  serviceNumber?: string;
}

/** One webhook of a scenario. */
export interface ScenarioStep {
  /** The event the package normalises this payload to. */
  event: CallEventName;
  /** What MyOperator sends it for: `state 6`, `after-call log`, or the v2 event type. */
  label: string;
  /** The in-call `call_state`, when the payload carries one. */
  callState: number | null;
  /** The event's time, as the payload carries it. */
  at: Date;
  /** The decoded payload. */
  payload: Record<string, unknown>;
  /** How the payload travels in a POST body (`buildWebhookRequest`'s `encoding`). */
  encoding: WebhookBodyEncoding;
}

/** What a receiver's `CallSession` says about the call once all its steps arrived. */
export interface ScenarioExpectation {
  outcome: Exclude<CallOutcome, 'in_progress'>;
  /** Whether an agent answered. */
  answered: boolean;
  ringSeconds: number;
  talkSeconds: number | null;
}

/** One whole call: its payloads in the order MyOperator sends them. */
export interface ScenarioCall {
  scenario: ScenarioName;
  format: ScenarioFormat;
  uid: string;
  direction: 'incoming' | 'outgoing';
  /** The customer's number, E.164. */
  caller: string;
  /** The agent dialled. */
  agent: ScenarioAgent;
  startedAt: Date;
  endedAt: Date;
  expected: ScenarioExpectation;
  steps: ScenarioStep[];
}

const SEED_TIME = Date.UTC(2020, 7, 1, 8, 35, 56);
const SEED_SEQUENCE = 2175190;
const COMPANY_ID = '5cd40f6554442586';
const SERVICE_NUMBER = '918065550000';
const IVR_ID = '5ee9a795b318a786';
const DEPARTMENT = { id: '5cd40f6559784843', name: 'sales' } as const;

/** A deterministic number in [min, max] for a call index and a purpose. */
function pick(index: number, salt: string, min: number, max: number): number {
  const digest = createHash('sha256').update(`${salt}:${index}`).digest();
  return min + (digest.readUInt32BE(0) % (max - min + 1));
}

/** A 16-hex-digit id (MyOperator's log ids look like `5f25296c4122c135`), stable for its seed. */
function hexId(seed: string): string {
  return createHash('sha256').update(seed).digest('hex').slice(0, 16);
}

/** A version-1-shaped UUID (MyOperator's reference ids are UUID v1), stable for its seed. */
function referenceUuid(seed: string): string {
  const hex = createHash('sha256').update(seed).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-1${hex.slice(13, 16)}-9${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** `YYYY-MM-DD HH:mm:ss` in UTC, the in-call log's time format. */
function wallTime(date: Date): string {
  return date.toISOString().slice(0, 19).replace('T', ' ');
}

/** `HH:MM:SS`, the after-call log's duration format. */
function clock(totalSeconds: number): string {
  const two = (value: number): string => String(value).padStart(2, '0');
  return `${two(Math.floor(totalSeconds / 3600))}:${two(Math.floor(totalSeconds / 60) % 60)}:${two(totalSeconds % 60)}`;
}

const epoch = (date: Date): number => Math.floor(date.getTime() / 1000);
const after = (date: Date, seconds: number): Date => new Date(date.getTime() + seconds * 1000);
const digitsOf = (e164: string): string => e164.replace(/\D/g, '');

function nonNegativeInteger(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 0) {
    throw new TypeError(`[myoperator-webhooks] buildScenario(): "${name}" must be a non-negative integer`);
  }
  return value;
}

function assertE164(name: string, value: string): string {
  if (!/^\+[1-9]\d{6,14}$/.test(value)) {
    throw new TypeError(`[myoperator-webhooks] buildScenario(): "${name}" must be an E.164 number, got "${value}"`);
  }
  return value;
}

/** The resolved facts of one call, shared by every format's payload builder. */
interface CallPlan {
  definition: ScenarioDefinition;
  index: number;
  uid: string;
  caller: string;
  agent: ScenarioAgent;
  companyId: string;
  serviceNumber: string;
  startedAt: Date;
  /** When the agent is dialled (in-call state 5), for incoming calls. */
  dialingAt: Date;
  answeredAt: Date | null;
  endedAt: Date;
  /** Each in-call state with its time. */
  timeline: ReadonlyArray<readonly [state: number, at: Date]>;
}

function planCall(name: ScenarioName, options: Readonly<ScenarioOptions>): CallPlan {
  const definition: ScenarioDefinition = SCENARIOS[name];
  const index = nonNegativeInteger('index', options.index, 0);
  const answered = definition.outcome === 'answered';
  const ringSeconds = nonNegativeInteger('ringSeconds', options.ringSeconds, pick(index, `ring:${name}`, 6, 25));
  const talkSeconds = answered
    ? nonNegativeInteger('talkSeconds', options.talkSeconds, pick(index, `talk:${name}`, 20, 300))
    : 0;
  const startedAt = options.startedAt ?? new Date(SEED_TIME + index * 60_000);
  if (Number.isNaN(startedAt.getTime())) throw new TypeError('[myoperator-webhooks] buildScenario(): bad "startedAt"');
  const caller = assertE164('caller', options.caller ?? SCENARIO_CALLERS[index % SCENARIO_CALLERS.length] ?? '');
  const agentTemplate = options.agent ?? SCENARIO_AGENTS[index % SCENARIO_AGENTS.length];
  if (!agentTemplate) throw new TypeError('[myoperator-webhooks] buildScenario(): no agent');
  const agent = { ...agentTemplate, phone: assertE164('agent.phone', agentTemplate.phone) };
  const uid = options.uid ?? `n2.${epoch(startedAt)}.${SEED_SEQUENCE + index}`;

  // The IVR takes a moment before agents are dialled; a call that rings for under 2 s is dialled at once.
  const dialingAt = after(startedAt, Math.min(2, ringSeconds));
  const answeredAt = answered ? after(startedAt, ringSeconds) : null;
  const endedAt = after(startedAt, ringSeconds + talkSeconds);
  const timeOf = (state: number): Date => {
    if (state === 1 || state === 3) return startedAt;
    if (state === 5) return dialingAt;
    if (state === 6) return answeredAt ?? startedAt;
    // 2, 7, 9, and 4: the first party's "no answer" is known once its phone has rung out.
    return endedAt;
  };
  return {
    definition,
    index,
    uid,
    caller,
    agent,
    companyId: options.companyId ?? COMPANY_ID,
    serviceNumber: options.serviceNumber ?? SERVICE_NUMBER,
    startedAt,
    dialingAt,
    answeredAt,
    endedAt,
    timeline: definition.states.map((state) => [state, timeOf(state)] as const),
  };
}

/** The in-call log (the seed's long keys) of one state of the call. */
function inCallLog(plan: CallPlan, state: number, at: Date): Record<string, unknown> {
  const outgoing = plan.definition.direction === 'outgoing';
  const obd = state === 4;
  const callerDigits = digitsOf(plan.caller);
  let status: string | null = null;
  if (state === 2) status = plan.answeredAt === null ? '2' : '1';
  else if (state === 4 || state === 7 || state === 9) status = '2';
  return buildInCallLog({
    id: hexId(`log:${plan.uid}`),
    uid: plan.uid,
    reference_id: outgoing ? referenceUuid(`ref:${plan.uid}`) : null,
    company_id: plan.companyId,
    clid_raw: callerDigits,
    // The seed's sample form (national digits) for Indian numbers; the seed table's form (E.164) for the others,
    // which a receiver could not tell from a +91 number otherwise.
    clid: plan.caller.startsWith('+91') ? callerDigits.slice(-10) : plan.caller,
    rdnis: plan.serviceNumber,
    call_state: String(state),
    event: outgoing ? '2' : '1',
    status,
    users: [digitsOf(plan.agent.phone)],
    created: wallTime(at),
    call_time: wallTime(at),
    public_ivr_id: IVR_ID,
    client_ref_id: outgoing && !obd ? `crm-${plan.index + 1}` : null,
    job_id: obd ? hexId(`job:${plan.uid}`) : null,
  });
}

/** The after-call log (short keys) of the whole call. */
function afterCallLog(plan: CallPlan): Record<string, unknown> {
  const answered = plan.answeredAt !== null;
  const outgoing = plan.definition.direction === 'outgoing';
  const total = epoch(plan.endedAt) - epoch(plan.startedAt);
  const talk = plan.answeredAt === null ? 0 : epoch(plan.endedAt) - epoch(plan.answeredAt);
  const agentDigits = digitsOf(plan.agent.phone);
  const person = {
    _id: plan.agent.id,
    _na: plan.agent.name,
    _em: plan.agent.email,
    _ex: plan.agent.extension,
    _ct: agentDigits.slice(-10),
    _nr: plan.agent.phone,
  };
  const recording = hexId(`rec:${plan.uid}`).repeat(5);
  const callerDigits = digitsOf(plan.caller);
  return buildAfterCallLog({
    _ai: hexId(`aftercall:${plan.uid}`),
    _ci: plan.companyId,
    _cr: callerDigits.slice(-10),
    _cl: plan.caller,
    _cy: callerDigits.slice(0, -10) || '91',
    _ts: epoch(plan.endedAt) + 3,
    _st: epoch(plan.startedAt),
    _ms: plan.startedAt.getTime(),
    _et: epoch(plan.endedAt),
    _dr: clock(total),
    _drm: Math.round((total / 60) * 100) / 100,
    _ev: outgoing ? 2 : 1,
    _su: answered ? 1 : 2,
    _fn: answered ? `${recording}.mp3` : '',
    _fu: answered ? `https://app.myoperator.co/audio/${recording}` : '',
    _dn: DEPARTMENT.name,
    _di: DEPARTMENT.id,
    _pm: [
      { ky: 'ui', vl: plan.uid },
      { ky: 'is', vl: '0' },
    ],
    _cn: [],
    _ld: [
      {
        _rst: wallTime(plan.dialingAt),
        _ds: answered ? 'ANSWER' : 'NOANSWER',
        _did: plan.serviceNumber.slice(-10),
        _rr: [person],
        _tt: [],
        _su: answered ? '1' : '2',
        _st: epoch(plan.answeredAt ?? plan.dialingAt),
        _et: epoch(plan.endedAt),
        _dr: clock(talk),
        _ac: answered ? 'received' : 'missed',
      },
    ],
    _us: [{ ky: plan.agent.id, vl: answered ? 'received' : 'missed' }],
    _tc: [{ ye: plan.agent.id, yf: talk }],
    _ri: '',
    _ji: '',
    _ivid: IVR_ID,
    _cri: '',
  });
}

/** The v2 agent of the plan, as v2 legs carry it. */
function v2Agent(plan: CallPlan): Record<string, unknown> {
  return {
    uuid: plan.agent.id,
    name: plan.agent.name,
    email: plan.agent.email,
    contact: plan.agent.phone,
    extension: plan.agent.extension,
  };
}

/** The v2 events of the call: call.initiated, call.dial_begin, call.answered, call.end, call.summary. */
function v2Steps(plan: CallPlan): ScenarioStep[] {
  const answered = plan.answeredAt !== null;
  const direction = plan.definition.direction;
  const status = answered ? 'bridged' : 'missed';
  const ringSeconds = epoch(plan.answeredAt ?? plan.endedAt) - epoch(plan.dialingAt);
  const talkSeconds = plan.answeredAt === null ? 0 : epoch(plan.endedAt) - epoch(plan.answeredAt);
  const customerLeg = {
    leg_index: 1,
    type: 'customer',
    result: 'connected',
    phone_number: plan.caller,
    ...(answered ? { talk_duration: epoch(plan.endedAt) - epoch(plan.startedAt) } : {}),
  };
  const agentLeg = (final: boolean): Record<string, unknown> => ({
    leg_index: 2,
    type: 'agent',
    result: answered ? 'answered' : 'not_answered',
    dial_status: answered ? 'ANSWER' : 'NOANSWER',
    ring_duration: ringSeconds,
    ...(answered && plan.answeredAt ? { answered_at: plan.answeredAt.toISOString() } : {}),
    ...(final && answered ? { talk_duration: talkSeconds } : {}),
    agent: v2Agent(plan),
  });
  const base = {
    id: plan.uid,
    direction,
    customer_number: plan.caller,
    started_at: plan.startedAt.toISOString(),
  };
  const events: Array<[type: string, at: Date, payload: Record<string, unknown>]> = [
    ['call.initiated', plan.startedAt, { ...base, status: 'initiated', legs: [customerLeg] }],
    [
      'call.dial_begin',
      plan.dialingAt,
      { ...base, status: 'ringing', legs: [customerLeg, { ...agentLeg(false), result: 'ringing' }] },
    ],
  ];
  if (answered && plan.answeredAt) {
    events.push([
      'call.answered',
      plan.answeredAt,
      { ...base, status: 'bridged', legs: [customerLeg, agentLeg(false)] },
    ]);
  }
  const ended = {
    ...base,
    status,
    ended_at: plan.endedAt.toISOString(),
    duration: epoch(plan.endedAt) - epoch(plan.startedAt),
    legs: [customerLeg, agentLeg(true)],
  };
  events.push(['call.end', plan.endedAt, ended]);
  const recording = hexId(`rec:${plan.uid}`);
  events.push([
    'call.summary',
    after(plan.endedAt, 2),
    {
      ...ended,
      category: direction,
      location: 'DL, IN',
      recording_filename: answered ? `${recording}-v2.mp3` : null,
      obd_campaign: null,
      billable: answered,
      comments: [],
    },
  ]);
  return events.map(([type, at, payload], sequence) => ({
    event: callEventNameForV2Type(type),
    label: type,
    callState: null,
    at,
    payload: buildV2Event(type, {
      event_id: referenceUuid(`event:${plan.uid}:${type}`),
      company_id: plan.companyId,
      event_sequence: sequence + 1,
      event_version: '2.0',
      timestamp: at.toISOString(),
      direction,
      session_id: plan.uid,
      system_identifier: `+${plan.serviceNumber}`,
      customer_identifier: plan.caller,
      payload,
    }),
    encoding: 'json',
  }));
}

/**
 * One whole call of a scenario: every webhook MyOperator sends for it, in order, with the session a receiver
 * should end up with. v2 has no events for a rejected or unanswered click-to-call: those play as
 * `call.initiated`, `call.dial_begin`, `call.end` and `call.summary`, and end as `missed`.
 *
 * @example
 * const call = buildScenario('answered', { format: 'json' });
 * for (const step of call.steps) await sendWebhook(url, step.payload, { encoding: step.encoding });
 */
export function buildScenario(name: ScenarioName, options: Readonly<ScenarioOptions> = {}): ScenarioCall {
  if (!isScenarioName(name)) {
    throw new TypeError(
      `[myoperator-webhooks] buildScenario(): unknown scenario ${JSON.stringify(name)} ` +
        `(scenarios: ${SCENARIO_NAMES.join(', ')})`,
    );
  }
  const format = options.format ?? 'incall-v1';
  if (!SCENARIO_FORMATS.includes(format)) {
    throw new TypeError(
      `[myoperator-webhooks] buildScenario(): "format" must be one of ${SCENARIO_FORMATS.join(', ')}, got ` +
        JSON.stringify(format),
    );
  }
  const plan = planCall(name, options);
  const answered = plan.answeredAt !== null;
  let steps: ScenarioStep[];
  if (format === 'v2') {
    steps = v2Steps(plan);
  } else {
    const encoding: WebhookBodyEncoding = format === 'json' ? 'json' : 'form';
    steps = plan.timeline.map(([state, at]) => ({
      event: callEventNameForState(state),
      label: `state ${state}`,
      callState: state,
      at,
      payload: inCallLog(plan, state, at),
      encoding,
    }));
    if (plan.definition.afterCall) {
      steps.push({
        event: 'call_summary',
        label: 'after-call log',
        callState: null,
        at: plan.endedAt,
        payload: afterCallLog(plan),
        encoding,
      });
    }
  }
  // v2 cannot say "rejected" or "no answer": such calls end as missed there.
  const outcome = format === 'v2' && !answered ? 'missed' : plan.definition.outcome;
  const ringEnd = plan.answeredAt ?? plan.endedAt;
  const ringStart = plan.timeline[0]?.[1] ?? plan.startedAt;
  return {
    scenario: name,
    format,
    uid: plan.uid,
    direction: plan.definition.direction,
    caller: plan.caller,
    agent: plan.agent,
    startedAt: plan.startedAt,
    endedAt: plan.endedAt,
    expected: {
      outcome,
      answered,
      ringSeconds: epoch(ringEnd) - epoch(format === 'v2' ? plan.startedAt : ringStart),
      talkSeconds: plan.answeredAt === null ? null : epoch(plan.endedAt) - epoch(plan.answeredAt),
    },
    steps,
  };
}
