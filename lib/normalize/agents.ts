// The agents (MyOperator "users") of a call, as every format reports them: one agent record, one rule for
// whether a leg was answered, and one rule for `users`. The after-call log and Webhook v2 read their legs into
// AgentLeg; the in-call log and the query string give bare numbers, read by the same `users` rule.

import type { CallAgent } from '../core/call-event';
import { toPhoneNumber } from './phone';
import { toText, uniqueBy } from './values';

/** One leg of a call that rang agents, read from whichever format sent it. */
export interface AgentLeg {
  /** The agents the leg rang (an after-call `_rr` list can hold several; a v2 leg has one). */
  readonly agents: readonly CallAgent[];
  /** The leg's agent number as the payload sends it (for `userPhoneNumber`). */
  readonly number: string | null;
  /** The leg's dial status as sent (`ANSWER`, `NO ANSWER`, `BUSY`...), `null` when empty. */
  readonly dialStatus: string | null;
  /** Whether the leg's agent picked up (see {@link isAnsweredLeg}). */
  readonly answered: boolean;
  /** Whether the leg says anything about its outcome yet (a dial status or a result). */
  readonly settled: boolean;
}

/** The agent fields of a CallEvent. */
export interface AgentFields {
  agents: CallAgent[];
  users: string[];
  userPhoneNumber: string | null;
  dialStatus: string | null;
}

// Dial statuses and results that mean the agent picked up. Every other non-empty value means they did not
// (`NOANSWER`, `NO ANSWER`, `BUSY`, `NO CARRIER`, `CANCEL`, `not_answered`, `missed`...).
const ANSWERED_DIAL_STATUSES: ReadonlySet<string> = new Set(['ANSWER', 'ANSWERED']);
const ANSWERED_RESULTS: ReadonlySet<string> = new Set(['answered', 'connected', 'received', 'bridged']);

/**
 * Whether a leg was answered: its dial status is `ANSWER`, its result (v2 `result`, after-call `_ac`) is
 * `answered` / `connected` / `received`, it reports a connected status, or it carries an answer time.
 */
export function isAnsweredLeg(signals: {
  dialStatus?: unknown;
  result?: unknown;
  connected?: boolean;
  answeredAt?: unknown;
}): boolean {
  const dialStatus = toText(signals.dialStatus)?.toUpperCase();
  const result = toText(signals.result)?.toLowerCase();
  return (
    (dialStatus !== undefined && ANSWERED_DIAL_STATUSES.has(dialStatus)) ||
    (result !== undefined && ANSWERED_RESULTS.has(result)) ||
    signals.connected === true ||
    toText(signals.answeredAt) !== null
  );
}

/** An agent record from its fields; `null` when nothing identifies the agent (no id, name, extension or phone). */
export function toCallAgent(agent: CallAgent): CallAgent | null {
  return agent.id === null && agent.name === null && agent.extension === null && agent.phone === null ? null : agent;
}

/** What makes two agent records the same agent: the id, else the number, else the name and extension. */
function agentKey(agent: CallAgent): string | null {
  return (
    agent.id ??
    agent.phone?.e164 ??
    agent.phone?.raw ??
    (agent.name === null && agent.extension === null ? null : `${agent.name ?? ''}/${agent.extension ?? ''}`)
  );
}

/**
 * The `users` rule, the same for every format: one entry per agent number, in the order sent, in E.164 where
 * the value reads as a phone number (a number without a country code takes `defaultCountryCode`), else as sent
 * (trimmed); each number once.
 * @example toUserNumbers(['918586848544', '8586848544', 'ext-10'], '91') // ['+918586848544', 'ext-10']
 */
export function toUserNumbers(values: readonly unknown[], defaultCountryCode: string): string[] {
  const numbers: string[] = [];
  for (const value of values) {
    const phone = toPhoneNumber(value, defaultCountryCode);
    const number = phone?.e164 ?? phone?.raw ?? null;
    if (number !== null && number !== '' && !numbers.includes(number)) numbers.push(number);
  }
  return numbers;
}

/** The agents' numbers for `users`, by the rule of {@link toUserNumbers} (their phones are read by it already). */
export function agentNumbers(agents: readonly CallAgent[]): string[] {
  const numbers: string[] = [];
  for (const agent of agents) {
    const number = agent.phone?.e164 ?? agent.phone?.raw;
    if (number !== undefined && number !== '' && !numbers.includes(number)) numbers.push(number);
  }
  return numbers;
}

/**
 * The index of the leg whose agent answered, `-1` when none did: the first leg that says it was answered; on an
 * event that says an agent answered (`answeredEvent`) but whose legs do not say which, the last leg that says
 * nothing of its outcome yet.
 */
export function answeredLegIndex(legs: readonly AgentLeg[], answeredEvent: boolean): number {
  const index = legs.findIndex((leg) => leg.answered);
  return index >= 0 || !answeredEvent ? index : legs.findLastIndex((leg) => !leg.settled);
}

/**
 * The agent fields from a call's legs: every agent of every leg, each once: the answering leg's
 * ({@link answeredLegIndex}) agents first (so `agents[0]` and `users[0]` are who answered, on a hunt too), then
 * the others in leg order; `users` from their numbers; the answering leg's number as `userPhoneNumber`; the
 * answering (else the last) leg's dial status.
 */
export function readAgentLegs(legs: readonly AgentLeg[], answeredEvent: boolean): AgentFields {
  const answeredIndex = answeredLegIndex(legs, answeredEvent);
  const answeredLeg = legs[answeredIndex];
  const ordered =
    answeredLeg === undefined ? legs : [answeredLeg, ...legs.filter((_, index) => index !== answeredIndex)];
  const agents = uniqueBy(
    ordered.flatMap((leg) => leg.agents),
    agentKey,
  );
  return {
    agents,
    users: agentNumbers(agents),
    userPhoneNumber: answeredLeg?.number ?? null,
    dialStatus: (answeredLeg ?? legs.at(-1))?.dialStatus ?? null,
  };
}
