// Whole calls as the payloads MyOperator sends for them, in the seed's order of call states, with one uid per call
// and realistic times: for the simulator CLI, the example app, and users' own tests. The call-state facts (which
// state an event has, which events end a call, the v2 event types) are read from the call-state table.

import { createHash } from 'node:crypto';

import { CALL_EVENTS, callEventDefinition, callEventNameForState, type CallEventName } from '../core/call-states';
import { optionError, readOptions } from '../core/options';
import type { CallOutcome } from '../dispatch/session';
import { CALL_STATUS_CODES, DIRECTION_CODES } from '../normalize/values';
import { buildAfterCallLog, buildInCallLog, buildV2Event, type WebhookBodyEncoding } from './builders';

/** How the payloads of a scenario travel: the v1 form body, the v1 log as a JSON body, or Webhook v2. */
export type ScenarioFormat = 'incall-v1' | 'json' | 'v2';

/** Every scenario format. */
export const SCENARIO_FORMATS: readonly ScenarioFormat[] = ['incall-v1', 'json', 'v2'];

/** The events that have an in-call `call_state` (their state comes from the call-state table). */
export type InCallEventName = Extract<(typeof CALL_EVENTS)[number], { callState: number }>['name'];

/** What one scenario is: the in-call events it plays, in order, and whether the after-call log follows. */
export interface ScenarioDefinition {
  readonly description: string;
  readonly direction: 'incoming' | 'outgoing';
  /** The in-call events, in the order MyOperator sends them. */
  readonly events: readonly InCallEventName[];
  /** Their in-call `call_state` values, from the call-state table. */
  readonly states: readonly number[];
  /** The after-call log (`call_summary`) is sent once the call is over. */
  readonly afterCall: boolean;
  /** How the call ends, as `CallSession.outcome` reports it. */
  readonly outcome: Exclude<CallOutcome, 'in_progress'>;
}

function stateOf(name: InCallEventName): number {
  const { callState } = callEventDefinition(name);
  if (callState === null) throw new Error(`${name} has no call state`);
  return callState;
}

function defineScenario(definition: Omit<ScenarioDefinition, 'states'>): ScenarioDefinition {
  return Object.freeze({ ...definition, states: Object.freeze(definition.events.map(stateOf)) });
}

/**
 * The calls the simulator can play, in the seed's order of states.
 * @example SCENARIOS.answered.states // [1, 5, 6, 2]
 */
export const SCENARIOS = Object.freeze({
  answered: defineScenario({
    description: 'An incoming call that an agent answers',
    direction: 'incoming',
    events: ['incoming_call', 'dialing_users', 'user_answered', 'call_finished'],
    afterCall: true,
    outcome: 'answered',
  }),
  missed: defineScenario({
    description: 'An incoming call that no agent answers',
    direction: 'incoming',
    events: ['incoming_call', 'dialing_users', 'call_finished'],
    afterCall: true,
    outcome: 'missed',
  }),
  'click-to-call': defineScenario({
    description: 'An agent calls a customer (click to call), who answers',
    direction: 'outgoing',
    events: ['click_to_call_initiated', 'user_answered', 'call_finished'],
    afterCall: true,
    outcome: 'answered',
  }),
  'click-to-call-rejected': defineScenario({
    description: 'A click-to-call the customer rejects',
    direction: 'outgoing',
    events: ['click_to_call_initiated', 'client_rejected'],
    afterCall: false,
    outcome: 'rejected',
  }),
  'click-to-call-no-answer': defineScenario({
    description: 'A click-to-call nobody picks up',
    direction: 'outgoing',
    events: ['click_to_call_initiated', 'no_answer'],
    afterCall: false,
    outcome: 'no_answer',
  }),
  'obd-no-answer': defineScenario({
    description: 'An outbound (OBD) campaign call the first party does not answer',
    direction: 'outgoing',
    events: ['first_party_no_answer'],
    afterCall: false,
    outcome: 'no_answer',
  }),
});

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
   * The call's number within a run: picks the caller, the agent, who misses how, and the durations, so that a run
   * of calls varies and the same index always gives the same call.
   * @default 0
   */
  index?: number;
  /**
   * When the call starts (read to the second); every other time of the call follows from it.
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
  /** The one agent dialled (and who answers, when somebody does). @default one of SCENARIO_AGENTS, by index */
  agent?: Readonly<ScenarioAgent>;
  /**
   * A hunt: the agents dialled one after the other (at most 20). On an answered call every agent but the last
   * misses (busy or no answer) and the last answers; on a missed call every one misses. Only for scenarios that
   * dial agents (`answered`, `missed`); not together with `agent`.
   * @default [agent]
   * @example buildScenario('answered', { agents: SCENARIO_AGENTS.slice(0, 3) })
   */
  agents?: readonly Readonly<ScenarioAgent>[];
  /**
   * Seconds from the call's start to the answer, or to the end of an unanswered call (every agent's ringing).
   * @default 6-25, by index, plus 8-20 for each further agent of a hunt
   */
  ringSeconds?: number;
  /** Seconds from the answer to the end. @default 20-300, by index */
  talkSeconds?: number;
  /** @default '5cd40f6554442586' (the seed's) */
  companyId?: string;
  /** The company's number the call came in on. @default '918065550000' */
  serviceNumber?: string;
}

const OPTION_KEYS = [
  'format',
  'index',
  'startedAt',
  'uid',
  'caller',
  'agent',
  'agents',
  'ringSeconds',
  'talkSeconds',
  'companyId',
  'serviceNumber',
] as const satisfies readonly (keyof ScenarioOptions)[];

/** Most agents a hunt dials. */
const MAX_AGENTS = 20;

/** One webhook of a scenario. */
export interface ScenarioStep {
  /** The event the package normalises this payload to. */
  event: CallEventName;
  /** What MyOperator sends it for: `state 6`, `after-call log`, or the v2 event type. */
  label: string;
  /** The in-call `call_state`, when the payload carries one. */
  callState: number | null;
  /** The event's time, as the payload carries it (a v2 event's `timestamp`, its send time, is a little later). */
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
  /** The answering agent's number in E.164 (`CallSession.answeredBy`), `null` when nobody answered. */
  answeredBy: string | null;
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
  /** The agent who answered, else the last agent dialled. */
  agent: ScenarioAgent;
  /** Every agent dialled, in order (one for a call that is not a hunt). */
  agents: ScenarioAgent[];
  startedAt: Date;
  endedAt: Date;
  expected: ScenarioExpectation;
  steps: ScenarioStep[];
}

const FACTORY = 'buildScenario()';
const SEED_TIME = Date.UTC(2020, 7, 1, 8, 35, 56);
const SEED_SEQUENCE = 2175190;
const COMPANY_ID = '5cd40f6554442586';
const SERVICE_NUMBER = '918065550000';
const IVR_ID = '5ee9a795b318a786';
const DEPARTMENT = { id: '5cd40f6559784843', name: 'sales' } as const;
/** A v2 summary is sent once the call log is written, this long after the call. */
const SUMMARY_DELAY_SECONDS = 2;

/** How an agent's leg ended. */
type DialResult = 'answer' | 'no_answer' | 'busy';
/** The dial status of each result: the after-call log's `_ds` and v2's `dial_status` spell "no answer" apart. */
const V1_DIAL_STATUS: Readonly<Record<DialResult, string>> = { answer: 'ANSWER', no_answer: 'NOANSWER', busy: 'BUSY' };
const V2_DIAL_STATUS: Readonly<Record<DialResult, string>> = { answer: 'ANSWER', no_answer: 'NO ANSWER', busy: 'BUSY' };

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

/** `YYYY-MM-DDTHH:mm:ss+00:00`, v2's `*_at` format. */
function v2Time(date: Date): string {
  return `${date.toISOString().slice(0, 19)}+00:00`;
}

/** `HH:MM:SS`, the after-call log's duration format. */
function clock(totalSeconds: number): string {
  const two = (value: number): string => String(value).padStart(2, '0');
  return `${two(Math.floor(totalSeconds / 3600))}:${two(Math.floor(totalSeconds / 60) % 60)}:${two(totalSeconds % 60)}`;
}

const epoch = (date: Date): number => Math.floor(date.getTime() / 1000);
const after = (date: Date, seconds: number): Date => new Date(date.getTime() + seconds * 1000);
const digitsOf = (e164: string): string => e164.replace(/\D/g, '');
/** An agent or caller number as the v1 logs carry it: digits for Indian numbers (the seed's form), else E.164. */
const v1Number = (e164: string): string => (e164.startsWith('+91') ? digitsOf(e164) : e164);

function nonNegativeInteger(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 0) throw optionError(FACTORY, `"${name}" must be a non-negative integer`);
  return value;
}

function assertE164(name: string, value: unknown): string {
  if (typeof value !== 'string' || !/^\+[1-9]\d{6,14}$/.test(value)) {
    throw optionError(FACTORY, `"${name}" must be an E.164 number, got ${JSON.stringify(value)}`);
  }
  return value;
}

function readAgent(name: string, value: unknown): ScenarioAgent {
  if (typeof value !== 'object' || value === null) throw optionError(FACTORY, `"${name}" must be an agent object`);
  const agent = value as Record<string, unknown>;
  const text = (key: 'id' | 'name' | 'email' | 'extension'): string => {
    const field = agent[key];
    if (typeof field !== 'string') throw optionError(FACTORY, `"${name}.${key}" must be a string`);
    return field;
  };
  return {
    id: text('id'),
    name: text('name'),
    email: text('email'),
    extension: text('extension'),
    phone: assertE164(`${name}.phone`, agent.phone),
  };
}

type NonEmpty<T> = [T, ...T[]];

/** The agents a call dials: `agents`, else `agent`, else one of SCENARIO_AGENTS by index. */
function readAgents(name: ScenarioName, options: Readonly<ScenarioOptions>, index: number): NonEmpty<ScenarioAgent> {
  if (options.agents !== undefined && options.agent !== undefined) {
    throw optionError(FACTORY, 'give "agent" (one agent) or "agents" (a hunt), not both');
  }
  if (options.agents === undefined) {
    return [readAgent('agent', options.agent ?? SCENARIO_AGENTS[index % SCENARIO_AGENTS.length])];
  }
  const list: unknown = options.agents;
  if (!Array.isArray(list) || list.length === 0 || list.length > MAX_AGENTS) {
    throw optionError(FACTORY, `"agents" must be a list of 1 to ${MAX_AGENTS} agents`);
  }
  const hunting = SCENARIO_NAMES.filter((each) => SCENARIOS[each].events.includes('dialing_users'));
  if (list.length > 1 && !hunting.includes(name)) {
    throw optionError(FACTORY, `"agents": the ${name} scenario dials one agent; hunts are for ${hunting.join(', ')}`);
  }
  const [first, ...others] = list as unknown[];
  return [
    readAgent('agents[0]', first),
    ...others.map((agent, position) => readAgent(`agents[${position + 1}]`, agent)),
  ];
}

/** One agent's leg of the call. */
interface Dial {
  agent: ScenarioAgent;
  /** The leg's number (the customer's leg is 1). */
  leg: number;
  result: DialResult;
  startedAt: Date;
  /** When it stopped ringing: the answer, or the miss. */
  ringEndedAt: Date;
  answeredAt: Date | null;
  /** When the leg ended: the end of the call for the answered leg, else when it stopped ringing. */
  endedAt: Date;
}

/** The resolved facts of one call, shared by every format's payload builder. */
interface CallPlan {
  name: ScenarioName;
  definition: ScenarioDefinition;
  index: number;
  uid: string;
  caller: string;
  agents: NonEmpty<ScenarioAgent>;
  /** The agent who answered, else the last one dialled. */
  agent: ScenarioAgent;
  dials: Dial[];
  companyId: string;
  serviceNumber: string;
  startedAt: Date;
  /** When the first agent is dialled (in-call state 5). */
  dialingAt: Date;
  answeredAt: Date | null;
  endedAt: Date;
  /** Each in-call event with its state and time. */
  timeline: ReadonlyArray<readonly [name: InCallEventName, state: number, at: Date]>;
}

/**
 * The dials of a call, one after the other from `dialingAt` to `ringEndsAt`: a busy agent rejects quickly (a
 * third of the time one that rings out takes); the last one answers when the call is answered.
 */
function planDials(
  plan: Pick<CallPlan, 'name' | 'index' | 'dialingAt' | 'endedAt'>,
  agents: readonly ScenarioAgent[],
  ringEndsAt: Date,
  answered: boolean,
): Dial[] {
  const results = agents.map((_agent, position): DialResult => {
    if (position === agents.length - 1) return answered ? 'answer' : 'no_answer';
    return pick(plan.index, `miss:${plan.name}:${position}`, 0, 1) === 0 ? 'busy' : 'no_answer';
  });
  const weights = results.map((result) => (result === 'busy' ? 1 : 3));
  const total = weights.reduce((sum, weight) => sum + weight, 0);
  const window = epoch(ringEndsAt) - epoch(plan.dialingAt);
  let before = 0;
  return agents.map((agent, position) => {
    const from = Math.floor((window * before) / total);
    before += weights[position] ?? 0;
    const to = position === agents.length - 1 ? window : Math.floor((window * before) / total);
    const result = results[position] ?? 'no_answer';
    const ringEndedAt = after(plan.dialingAt, to);
    return {
      agent,
      leg: position + 2,
      result,
      startedAt: after(plan.dialingAt, from),
      ringEndedAt,
      answeredAt: result === 'answer' ? ringEndedAt : null,
      endedAt: result === 'answer' ? plan.endedAt : ringEndedAt,
    };
  });
}

function planCall(name: ScenarioName, options: Readonly<ScenarioOptions>): CallPlan {
  const definition = SCENARIOS[name];
  const index = nonNegativeInteger('index', options.index, 0);
  const agents = readAgents(name, options, index);
  const answered = definition.outcome === 'answered';
  let defaultRing = pick(index, `ring:${name}`, 6, 25);
  for (let position = 1; position < agents.length; position++)
    defaultRing += pick(index, `ring:${name}:${position}`, 8, 20);
  const ringSeconds = nonNegativeInteger('ringSeconds', options.ringSeconds, defaultRing);
  const talkSeconds = answered
    ? nonNegativeInteger('talkSeconds', options.talkSeconds, pick(index, `talk:${name}`, 20, 300))
    : 0;
  const given = options.startedAt ?? new Date(SEED_TIME + index * 60_000);
  if (!(given instanceof Date) || Number.isNaN(given.getTime())) throw optionError(FACTORY, 'bad "startedAt"');
  // MyOperator's call times have whole seconds.
  const startedAt = new Date(epoch(given) * 1000);
  const caller = assertE164('caller', options.caller ?? SCENARIO_CALLERS[index % SCENARIO_CALLERS.length]);
  const uid = options.uid ?? `n2.${epoch(startedAt)}.${SEED_SEQUENCE + index}`;

  // The IVR takes a moment before agents are dialled; a call that rings for under 2 s is dialled at once.
  const dialingAt = after(startedAt, Math.min(2, ringSeconds));
  const ringEndsAt = after(startedAt, ringSeconds);
  const answeredAt = answered ? ringEndsAt : null;
  const endedAt = after(startedAt, ringSeconds + talkSeconds);
  const dials = planDials({ name, index, dialingAt, endedAt }, agents, ringEndsAt, answered);
  const answering = dials.find((dial) => dial.result === 'answer');
  const timeOf = (event: InCallEventName): Date => {
    if (event === 'incoming_call' || event === 'click_to_call_initiated') return startedAt;
    if (event === 'dialing_users') return dialingAt;
    if (event === 'user_answered') return answeredAt ?? startedAt;
    // The events that end the call; an OBD's "no answer" is known once the first party's phone has rung out.
    return endedAt;
  };
  return {
    name,
    definition,
    index,
    uid,
    caller,
    agents,
    agent: (answering ?? dials.at(-1))?.agent ?? agents[0],
    dials,
    companyId: options.companyId ?? COMPANY_ID,
    serviceNumber: options.serviceNumber ?? SERVICE_NUMBER,
    startedAt,
    dialingAt,
    answeredAt,
    endedAt,
    timeline: definition.events.map((event) => [event, stateOf(event), timeOf(event)] as const),
  };
}

/** The distinct agents of the call, in the order dialled (an agent dialled twice is listed once). */
function distinctAgents(plan: CallPlan): ScenarioAgent[] {
  return plan.agents.filter(
    (agent, position) => plan.agents.findIndex((other) => other.phone === agent.phone) === position,
  );
}

/** The in-call log (the seed's long keys) of one event of the call. */
function inCallLog(plan: CallPlan, event: InCallEventName, state: number, at: Date): Record<string, unknown> {
  const outgoing = plan.definition.direction === 'outgoing';
  const obd = event === 'first_party_no_answer';
  const callerDigits = digitsOf(plan.caller);
  // The events that end the call say how it went; the others have no status yet.
  const status = callEventDefinition(event).endsCall
    ? CALL_STATUS_CODES[plan.answeredAt === null ? 'missed' : 'connected']
    : null;
  // "User answered" names the agent who did; the other states every agent dialled.
  const users = event === 'user_answered' ? [plan.agent] : distinctAgents(plan);
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
    event: DIRECTION_CODES[plan.definition.direction],
    status,
    users: users.map((agent) => v1Number(agent.phone)),
    created: wallTime(at),
    call_time: wallTime(at),
    public_ivr_id: IVR_ID,
    client_ref_id: outgoing && !obd ? `crm-${plan.index + 1}` : null,
    job_id: obd ? hexId(`job:${plan.uid}`) : null,
  });
}

/** The after-call log (short keys) of the whole call: one `_ld` leg per agent dialled. */
function afterCallLog(plan: CallPlan): Record<string, unknown> {
  const answered = plan.answeredAt !== null;
  const total = epoch(plan.endedAt) - epoch(plan.startedAt);
  const talkOf = (dial: Dial): number => (dial.answeredAt === null ? 0 : epoch(dial.endedAt) - epoch(dial.answeredAt));
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
    _ev: Number(DIRECTION_CODES[plan.definition.direction]),
    _su: Number(CALL_STATUS_CODES[answered ? 'connected' : 'missed']),
    _fn: answered ? `${recording}.mp3` : '',
    _fu: answered ? `https://app.myoperator.co/audio/${recording}` : '',
    _dn: DEPARTMENT.name,
    _di: DEPARTMENT.id,
    _pm: [
      { ky: 'ui', vl: plan.uid },
      { ky: 'is', vl: '0' },
    ],
    _cn: [],
    _ld: plan.dials.map((dial) => ({
      _rst: wallTime(dial.startedAt),
      _ds: V1_DIAL_STATUS[dial.result],
      _did: plan.serviceNumber.slice(-10),
      _rr: [
        {
          _id: dial.agent.id,
          _na: dial.agent.name,
          _em: dial.agent.email,
          _ex: dial.agent.extension,
          _ct: digitsOf(dial.agent.phone).slice(-10),
          _nr: dial.agent.phone,
        },
      ],
      _tt: [],
      _su: CALL_STATUS_CODES[dial.answeredAt === null ? 'missed' : 'connected'],
      _st: epoch(dial.answeredAt ?? dial.startedAt),
      _et: epoch(dial.endedAt),
      _dr: clock(talkOf(dial)),
      _ac: dial.answeredAt === null ? 'missed' : 'received',
    })),
    _us: plan.dials.map((dial) => ({ ky: dial.agent.id, vl: dial.answeredAt === null ? 'missed' : 'received' })),
    _tc: plan.dials.map((dial) => ({ ye: dial.agent.id, yf: talkOf(dial) })),
    _ri: '',
    _ji: '',
    _ivid: IVR_ID,
    _cri: '',
  });
}

/** The v2 event type MyOperator sends for an event: the first of its row in the call-state table. */
function v2TypeOf(name: CallEventName): string {
  const type = callEventDefinition(name).v2EventTypes[0];
  if (type === undefined) throw new Error(`${name} has no Webhook v2 event type`);
  return type;
}

/** What MyOperator's `category` says of the call. */
function categoryOf(plan: CallPlan): string {
  if (plan.definition.direction === 'incoming') return 'incoming';
  return plan.definition.events.includes('first_party_no_answer') ? 'obd' : 'callback';
}

/**
 * An agent leg as the live events and `call.end` carry it: only the agent's number, the dial status and the
 * result (`""` while it still rings).
 */
function liveAgentLeg(dial: Dial, ringing: boolean): Record<string, unknown> {
  return {
    leg_index: dial.leg,
    type: 'agent',
    phone_number: dial.agent.phone,
    dial_status: ringing ? '' : V2_DIAL_STATUS[dial.result],
    result: ringing ? '' : dial.result === 'answer' ? 'answered' : 'not_answered',
  };
}

/** An agent leg as `call.summary` carries it: its times and durations, and the `agent` object. */
function summaryAgentLeg(plan: CallPlan, dial: Dial): Record<string, unknown> {
  return {
    leg_index: dial.leg,
    uid: `${plan.uid}.${dial.leg}`,
    type: 'agent',
    phone_number: dial.agent.phone,
    result: dial.result === 'answer' ? 'answered' : 'not_answered',
    dial_status: V2_DIAL_STATUS[dial.result],
    ring_duration: epoch(dial.ringEndedAt) - epoch(dial.startedAt),
    talk_duration: dial.answeredAt === null ? 0 : epoch(dial.endedAt) - epoch(dial.answeredAt),
    started_at: v2Time(dial.startedAt),
    answered_at: dial.answeredAt === null ? null : v2Time(dial.answeredAt),
    ended_at: v2Time(dial.endedAt),
    pickup_device: dial.answeredAt === null ? '' : 'mobile',
    dept_id: DEPARTMENT.id,
    agent: {
      uuid: dial.agent.id,
      name: dial.agent.name,
      email: dial.agent.email,
      contact: dial.agent.phone,
      extension: dial.agent.extension,
    },
  };
}

/**
 * The v2 events of the call: call.initiated, call.ivr_started (incoming calls), one call.dial_begin per agent
 * dialled, call.answered, call.end, call.summary. Each is sent a few hundred milliseconds after it happened
 * (`timestamp`, in order), the summary once the call log is written.
 */
function v2Steps(plan: CallPlan): ScenarioStep[] {
  const answered = plan.answeredAt !== null;
  const direction = plan.definition.direction;
  const outgoing = direction === 'outgoing';
  const obd = categoryOf(plan) === 'obd';
  const status = answered ? 'bridged' : 'missed';
  const total = epoch(plan.endedAt) - epoch(plan.startedAt);
  const customerLeg = { leg_index: 1, type: 'customer', phone_number: plan.caller, result: 'connected' };
  const endedCustomerLeg = { ...customerLeg, talk_duration: answered ? total : 0 };
  const base = {
    id: plan.uid,
    did: `+${plan.serviceNumber}`,
    direction,
    customer_number: plan.caller,
    started_at: v2Time(plan.startedAt),
    category: categoryOf(plan),
    ...(outgoing ? {} : { department: { ...DEPARTMENT } }),
  };
  const recording = answered ? `${hexId(`rec:${plan.uid}`)}-v2.mp3` : null;
  const ended = {
    ...base,
    status,
    ended_at: v2Time(plan.endedAt),
    duration: total,
    recording_filename: recording,
  };

  const events: Array<[name: CallEventName, at: Date, payload: Record<string, unknown>]> = [
    ['incoming_call', plan.startedAt, { ...base, legs: [customerLeg] }],
  ];
  if (!outgoing) events.push(['ivr_started', plan.startedAt, { ...base, legs: [customerLeg] }]);
  plan.dials.forEach((dial, position) => {
    const legs = plan.dials.slice(0, position + 1).map((each) => liveAgentLeg(each, each === dial));
    events.push(['dialing_users', dial.startedAt, { ...base, legs: [customerLeg, ...legs] }]);
  });
  const doneLegs = plan.dials.map((dial) => liveAgentLeg(dial, false));
  if (plan.answeredAt !== null) {
    events.push(['user_answered', plan.answeredAt, { ...base, status: 'bridged', legs: [customerLeg, ...doneLegs] }]);
  }
  events.push(['call_finished', plan.endedAt, { ...ended, legs: [endedCustomerLeg, ...doneLegs] }]);
  events.push([
    'call_summary',
    plan.endedAt,
    {
      ...ended,
      location: 'DL, IN',
      billable: answered,
      ref_id: outgoing ? referenceUuid(`ref:${plan.uid}`) : '',
      client_ref_id: outgoing && !obd ? `crm-${plan.index + 1}` : '',
      obd_campaign: obd ? { id: hexId(`campaign:${plan.companyId}`), job_id: hexId(`job:${plan.uid}`) } : null,
      comments: [],
      legs: [
        {
          ...endedCustomerLeg,
          uid: `${plan.uid}.1`,
          dial_status: '',
          ring_duration: 0,
          started_at: v2Time(plan.startedAt),
          answered_at: null,
          ended_at: v2Time(plan.endedAt),
        },
        ...plan.dials.map((dial) => summaryAgentLeg(plan, dial)),
      ],
    },
  ]);

  return events.map(([name, at, payload], position) => {
    const type = v2TypeOf(name);
    // Sent in order, 60-440 ms after the event (whole seconds), with microseconds as MyOperator writes them.
    const delayMs = 60 + Math.floor((380 * position) / events.length);
    const sentAt = new Date(at.getTime() + (name === 'call_summary' ? SUMMARY_DELAY_SECONDS * 1000 : 0) + delayMs);
    const micros = String(pick(plan.index, `sent:${plan.uid}:${position}`, 0, 999)).padStart(3, '0');
    return {
      event: name,
      label: type,
      callState: null,
      at,
      payload: buildV2Event(type, {
        event_id: referenceUuid(`event:${plan.uid}:${position}:${type}`),
        company_id: plan.companyId,
        event_sequence: position + 1,
        event_version: 1,
        timestamp: sentAt.toISOString().replace('Z', `${micros}Z`),
        channel: 'call',
        direction,
        session_id: plan.uid,
        // The DID; `call.summary` sends none by design (it is in `payload.did`).
        system_identifier: name === 'call_summary' ? null : `+${plan.serviceNumber}`,
        customer_identifier: plan.caller,
        payload,
      }),
      encoding: 'json',
    };
  });
}

/**
 * One whole call of a scenario: every webhook MyOperator sends for it, in order, with the session a receiver
 * should end up with. `agents` makes it a hunt: the agents dialled one after the other. v2 has no events for a
 * rejected or unanswered click-to-call: those play as `call.initiated`, `call.dial_begin`, `call.end` and
 * `call.summary`, and end as `missed`.
 *
 * @example
 * const call = buildScenario('answered', { format: 'json', agents: SCENARIO_AGENTS.slice(0, 3) });
 * for (const step of call.steps) await sendWebhook(url, step.payload, { encoding: step.encoding });
 */
export function buildScenario(name: ScenarioName, options: Readonly<ScenarioOptions> = {}): ScenarioCall {
  if (!isScenarioName(name)) {
    throw optionError(FACTORY, `unknown scenario ${JSON.stringify(name)} (scenarios: ${SCENARIO_NAMES.join(', ')})`);
  }
  readOptions(FACTORY, options, OPTION_KEYS);
  const format = options.format ?? 'incall-v1';
  if (!SCENARIO_FORMATS.includes(format)) {
    throw optionError(FACTORY, `"format" must be one of ${SCENARIO_FORMATS.join(', ')}, got ${JSON.stringify(format)}`);
  }
  const plan = planCall(name, options);
  const answered = plan.answeredAt !== null;
  let steps: ScenarioStep[];
  if (format === 'v2') {
    steps = v2Steps(plan);
  } else {
    const encoding: WebhookBodyEncoding = format === 'json' ? 'json' : 'form';
    steps = plan.timeline.map(([event, state, at]) => ({
      event: callEventNameForState(state),
      label: `state ${state}`,
      callState: state,
      at,
      payload: inCallLog(plan, event, state, at),
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
  const ringStart = plan.timeline[0]?.[2] ?? plan.startedAt;
  return {
    scenario: name,
    format,
    uid: plan.uid,
    direction: plan.definition.direction,
    caller: plan.caller,
    agent: { ...plan.agent },
    agents: plan.agents.map((agent) => ({ ...agent })),
    startedAt: plan.startedAt,
    endedAt: plan.endedAt,
    expected: {
      outcome,
      answered,
      answeredBy: answered ? plan.agent.phone : null,
      ringSeconds: epoch(ringEnd) - epoch(format === 'v2' ? plan.startedAt : ringStart),
      talkSeconds: plan.answeredAt === null ? null : epoch(plan.endedAt) - epoch(plan.answeredAt),
    },
    steps,
  };
}
