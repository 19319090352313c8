// A simulated call centre for the demo and the board's specs: agents with names and numbers, a pool of callers
// (most new, some calling again), hunts, and every webhook sent when its time comes on the real clock.

import {
  buildScenario,
  sendWebhook,
  type ScenarioAgent,
  type ScenarioCall,
  type ScenarioFormat,
  type ScenarioName,
  type ScenarioOptions,
  type ScenarioStep,
} from 'myoperator-webhooks/testing';

/** The demo's agents: who MyOperator dials, with the numbers their phones ring on. */
export const DEMO_AGENTS: readonly Readonly<ScenarioAgent>[] = [
  { id: '6a1f0c2b9d3e4a01', name: 'Priya Sharma', email: 'priya@example.com', extension: '11', phone: '+919810012345' },
  { id: '6a1f0c2b9d3e4a02', name: 'Arjun Mehta', email: 'arjun@example.com', extension: '12', phone: '+919820054321' },
  { id: '6a1f0c2b9d3e4a03', name: 'Neha Kapoor', email: 'neha@example.com', extension: '14', phone: '+919830098765' },
  { id: '6a1f0c2b9d3e4a04', name: 'Rahul Verma', email: 'rahul@example.com', extension: '15', phone: '+919811122334' },
  { id: '6a1f0c2b9d3e4a05', name: 'Ananya Iyer', email: 'ananya@example.com', extension: '16', phone: '+919845067890' },
  {
    id: '6a1f0c2b9d3e4a06',
    name: 'Vikram Singh',
    email: 'vikram@example.com',
    extension: '17',
    phone: '+919899011223',
  },
];

/** One call to play: who calls whom, who is dialled, and how long it rings and talks. */
export interface DemoCallPlan {
  scenario: ScenarioName;
  /** @default 'incall-v1' */
  format?: ScenarioFormat;
  /** The customer's number, E.164. */
  caller: string;
  /**
   * The agents dialled, in order. On an answered call the last one answers and the others miss (a hunt); on a
   * missed call every one of them misses. Empty for an OBD campaign call.
   */
  agents: readonly Readonly<ScenarioAgent>[];
  /** Seconds from the start to the answer, or to the end of an unanswered call. */
  ringSeconds: number;
  /** Seconds from the answer to the hang-up (answered calls). */
  talkSeconds?: number;
  /** One of the call's webhooks is delivered a second time a few seconds later, as MyOperator retries. */
  redeliver?: boolean;
}

/** One webhook as it was sent. */
export interface Delivery {
  step: ScenarioStep;
  sentAt: Date;
  status: number | null;
  redelivery: boolean;
}

/** A call being played, or played. */
export interface PlayedCall extends DemoCall {
  plan: DemoCallPlan;
  /** Calls from this number earlier in the run: none means the app creates its lead with this call. */
  earlierIncoming: number;
  deliveries: Delivery[];
  /** Settles once every webhook of the call was sent (or the play was stopped). */
  done: Promise<void>;
  /** `true` once every webhook was sent and answered 2xx. */
  complete: boolean;
}

/** A caller, and what the centre knows of them. */
interface Caller {
  phone: string;
  calls: number;
  incoming: number;
  /** Their last call was missed or not picked up: they are the ones who call again, or get called back. */
  unanswered: boolean;
  busy: boolean;
  lastEndedAt: number;
}

export interface CallCentreOptions {
  /** The webhook URL. */
  url: string;
  /** The secret header lines MyOperator sends (`"Name: value"`). */
  headers?: readonly string[];
  basic?: { username: string; password: string };
  /** @default DEMO_AGENTS */
  agents?: readonly Readonly<ScenarioAgent>[];
  /** Seeds the choices (callers, agents, durations) so a run can be replayed. @default Date.now() */
  seed?: number;
  /** The mean gap between two new calls, in seconds. @default 9 */
  meanGapSeconds?: number;
  /** Ring seconds of an answered call. @default [4, 16] */
  ringSeconds?: readonly [number, number];
  /** Talk seconds. @default [15, 150] */
  talkSeconds?: readonly [number, number];
  /** The most calls at once. @default 8 */
  maxCalls?: number;
  /** Called once a call has sent its last webhook. */
  onFinished?: (played: PlayedCall) => void;
  /** Called when a webhook could not be delivered or was not answered 2xx. */
  onError?: (message: string, played: PlayedCall) => void;
}

const WALL_TIME = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/;
const EPOCH_SECOND_KEYS = new Set(['_ts', '_st', '_et']);
const SAMPLE_CALLERS = new Set(['+919711636496']);

/** The latest time a payload states anywhere in it (ms), so that it is never sent before that time. */
export function latestTimeIn(value: unknown, key = ''): number {
  if (typeof value === 'string') {
    const match = WALL_TIME.exec(value);
    if (!match) return 0;
    const parsed = Date.parse(match[8] === undefined ? `${value.replace(' ', 'T')}Z` : value);
    return Number.isNaN(parsed) ? 0 : parsed;
  }
  if (typeof value === 'number') {
    if (EPOCH_SECOND_KEYS.has(key)) return value * 1000;
    return key === '_ms' ? value : 0;
  }
  if (Array.isArray(value)) return Math.max(0, ...value.map((item) => latestTimeIn(item)));
  if (value !== null && typeof value === 'object') {
    return Math.max(0, ...Object.entries(value).map(([name, item]) => latestTimeIn(item, name)));
  }
  return 0;
}

/** When a step may be sent: at its time, and never before any time its payload states. */
export function dueTime(step: ScenarioStep): number {
  return Math.max(step.at.getTime(), latestTimeIn(step.payload));
}

/** A small seeded generator (mulberry32): the same seed gives the same run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const digits = (phone: string): string => phone.replace(/\D/g, '');

/**
 * Whether `buildScenario` takes an `agents` list (a hunt) for a format: the first agent of the list, who misses,
 * must then appear in the call's webhooks. Versions without it ignore the option (or refuse it).
 */
function huntsSupported(format: ScenarioFormat): boolean {
  const [first, second] = DEMO_AGENTS;
  if (!first || !second) return false;
  try {
    const options = { format, agents: [first, second] } as ScenarioOptions;
    const probe = buildScenario('answered', options);
    return JSON.stringify(probe.steps.map((step) => step.payload)).includes(digits(first.phone));
  } catch {
    return false;
  }
}

const huntSupport = new Map<ScenarioFormat, boolean>();

/** Whether hunts reach the webhooks in this format (cached: it does not change within a process). */
export function supportsHunts(format: ScenarioFormat = 'incall-v1'): boolean {
  let known = huntSupport.get(format);
  if (known === undefined) {
    known = huntsSupported(format);
    huntSupport.set(format, known);
  }
  return known;
}

/** Whether a scenario ends with an agent on the line. */
function isAnswered(scenario: ScenarioName): boolean {
  return scenario === 'answered' || scenario === 'click-to-call';
}

/** A plan made into the webhooks of one call. */
export interface DemoCall {
  call: ScenarioCall;
  /** Whether the hunt went to `buildScenario` as an agents list (else only one agent was given). */
  hunt: boolean;
  /** The agent who answers, when one does. */
  answeredBy: Readonly<ScenarioAgent> | null;
  /** The agents the webhooks dial. */
  dialled: readonly Readonly<ScenarioAgent>[];
}

/**
 * Builds the call of a plan starting at `startedAt`, with the package's testing kit: the hunt as an `agents` list
 * when `buildScenario` takes one, else the agent who answers (or, unanswered, the first one dialled).
 */
export function buildDemoCall(plan: Readonly<DemoCallPlan>, startedAt: Date, uid: string): DemoCall {
  const format = plan.format ?? 'incall-v1';
  const answered = isAnswered(plan.scenario);
  const answerer = answered ? (plan.agents.at(-1) ?? null) : null;
  const options: ScenarioOptions = {
    format,
    startedAt,
    uid,
    caller: plan.caller,
    ringSeconds: plan.ringSeconds,
    ...(answered ? { talkSeconds: plan.talkSeconds ?? 30 } : {}),
  };
  // An OBD call dials no agent: the kit still wants one for the payload's fields.
  const someone = answerer ?? plan.agents[0] ?? DEMO_AGENTS[0];
  const hunt = plan.agents.length > 1 && supportsHunts(format);
  if (hunt) {
    const call = buildScenario(plan.scenario, { ...options, agents: plan.agents });
    return { call, hunt, answeredBy: answerer, dialled: plan.agents };
  }
  const call = buildScenario(plan.scenario, { ...options, ...(someone ? { agent: someone } : {}) });
  return { call, hunt, answeredBy: answerer, dialled: plan.agents.length === 0 || !someone ? [] : [someone] };
}

/** Sleeps until a time, or until the signal aborts (then resolves `false`). */
function sleepUntil(time: number, signal: AbortSignal): Promise<boolean> {
  const wait = time - Date.now();
  if (signal.aborted) return Promise.resolve(false);
  if (wait <= 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, wait);
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * A call centre on the real clock: `play()` one call now, or `start()` a stream of them (a new call every few
 * seconds, from a pool of callers, hunting through the agents who are free), then `stop()` or `drain()`.
 *
 * @example
 * const centre = new CallCentre({ url: 'http://127.0.0.1:3000/myoperator/incall', headers: [DEMO_HEADER] });
 * centre.start();
 * // ... later
 * await centre.stop();
 */
export class CallCentre {
  readonly agents: readonly Readonly<ScenarioAgent>[];
  readonly played: PlayedCall[] = [];
  readonly #options: Readonly<CallCentreOptions>;
  readonly #random: () => number;
  readonly #abort = new AbortController();
  /** Agent phone -> when they are free again (ms). */
  readonly #busyUntil = new Map<string, number>();
  readonly #callers = new Map<string, Caller>();
  readonly #pending = new Set<Promise<void>>();
  #sequence: number;
  #loop: Promise<void> | null = null;
  #placing = false;

  constructor(options: Readonly<CallCentreOptions>) {
    this.#options = options;
    this.agents = options.agents ?? DEMO_AGENTS;
    this.#random = seededRandom(options.seed ?? Date.now());
    this.#sequence = 3_000_000 + Math.floor(this.#random() * 5_000_000);
  }

  /** Calls whose webhooks are still being sent. */
  get inFlight(): number {
    return this.#pending.size;
  }

  /** A number in [min, max]. */
  #between(min: number, max: number): number {
    return min + Math.floor(this.#random() * (max - min + 1));
  }

  #chance(probability: number): boolean {
    return this.#random() < probability;
  }

  #pick<T>(items: readonly T[]): T | undefined {
    return items[Math.floor(this.#random() * items.length)];
  }

  /** The agents nobody is ringing or talking to, in a random order. */
  freeAgents(now = Date.now()): Array<Readonly<ScenarioAgent>> {
    const free = this.agents.filter((agent) => (this.#busyUntil.get(agent.phone) ?? 0) <= now);
    for (let i = free.length - 1; i > 0; i--) {
      const j = Math.floor(this.#random() * (i + 1));
      [free[i], free[j]] = [free[j]!, free[i]!];
    }
    return free;
  }

  /** A mobile number nobody has called from yet. */
  newCaller(): string {
    for (;;) {
      const first = String(this.#between(6, 9));
      const rest = String(this.#between(0, 999_999_999)).padStart(9, '0');
      const phone = `+91${first}${rest}`;
      if (!this.#callers.has(phone) && !SAMPLE_CALLERS.has(phone)) return phone;
    }
  }

  /**
   * Someone who called before and is not on a call now, more likely if their last call went unanswered; a
   * number calls at most 3 times in a run, so that no lead piles up calls.
   */
  returningCaller(now = Date.now()): string | null {
    const candidates = [...this.#callers.values()].filter(
      (caller) => !caller.busy && caller.calls < 3 && now - caller.lastEndedAt > 20_000,
    );
    const weighted = candidates.flatMap((caller) => (caller.unanswered ? [caller, caller, caller] : [caller]));
    return this.#pick(weighted)?.phone ?? null;
  }

  /** The next call as a busy centre gets it, or `null` when nobody is free to take one. */
  nextPlan(now = Date.now()): DemoCallPlan | null {
    const free = this.freeAgents(now);
    const [ringMin, ringMax] = this.#options.ringSeconds ?? [4, 16];
    const format: ScenarioFormat = this.#chance(0.8) ? 'incall-v1' : this.#chance(0.5) ? 'json' : 'v2';
    const redeliver = this.#chance(0.05);
    const roll = this.#random();
    if (roll < 0.04) {
      // An OBD campaign call nobody picks up: no agent involved.
      return {
        scenario: 'obd-no-answer',
        format,
        caller: this.newCaller(),
        agents: [],
        ringSeconds: this.#between(15, 30),
      };
    }
    if (free.length === 0) return null;
    if (roll < 0.26) {
      // An agent calls a customer back (click to call), preferably one whose call went unanswered.
      const caller = this.returningCaller(now);
      if (caller !== null) {
        const agent = free[0]!;
        const outcome = this.#random();
        if (outcome < 0.7) {
          return {
            scenario: 'click-to-call',
            format,
            caller,
            agents: [agent],
            ringSeconds: this.#between(ringMin, ringMax),
            talkSeconds: this.#talk(),
            redeliver,
          };
        }
        return {
          scenario: outcome < 0.85 ? 'click-to-call-rejected' : 'click-to-call-no-answer',
          format,
          caller,
          agents: [agent],
          ringSeconds: this.#between(8, 25),
        };
      }
    }
    const caller = (this.#chance(0.22) ? this.returningCaller(now) : null) ?? this.newCaller();
    if (this.#chance(0.14)) {
      // Nobody picks up: the call hunts through one or two agents and is missed.
      const dialled = free.slice(0, this.#chance(0.5) ? 2 : 1);
      return { scenario: 'missed', format, caller, agents: dialled, ringSeconds: this.#between(20, 32) };
    }
    // Answered, after one agent misses it now and then.
    const hunt = free.length > 1 && this.#chance(0.3);
    const dialled = hunt ? free.slice(0, 2) : free.slice(0, 1);
    return {
      scenario: 'answered',
      format,
      caller,
      agents: dialled,
      ringSeconds: hunt ? this.#between(Math.max(ringMin, 12), ringMax + 8) : this.#between(ringMin, ringMax),
      talkSeconds: this.#talk(),
      redeliver,
    };
  }

  /** Talk seconds: mostly short, some long (a skewed draw over the configured range). */
  #talk(): number {
    const [min, max] = this.#options.talkSeconds ?? [15, 150];
    return Math.round(min + (max - min) * this.#random() ** 2.2);
  }

  /** Plays one call starting now (the current whole second): every webhook at its time. */
  play(plan: Readonly<DemoCallPlan>): PlayedCall {
    const now = Date.now();
    const startedAt = new Date(Math.floor(now / 1000) * 1000);
    const uid = `n2.${Math.floor(now / 1000)}.${this.#sequence++}`;
    const built = buildDemoCall(plan, startedAt, uid);
    const played: PlayedCall = {
      ...built,
      plan,
      earlierIncoming: this.#callers.get(plan.caller)?.incoming ?? 0,
      deliveries: [],
      done: Promise.resolve(),
      complete: false,
    };
    this.#reserve(played);
    played.done = this.#send(played).finally(() => {
      const caller = this.#callers.get(plan.caller);
      if (caller) {
        caller.busy = false;
        caller.lastEndedAt = Date.now();
      }
    });
    this.#pending.add(played.done);
    void played.done.finally(() => this.#pending.delete(played.done));
    this.played.push(played);
    return played;
  }

  /** Marks the agents busy for the call and remembers the caller. */
  #reserve({ plan, call, answeredBy, dialled }: PlayedCall): void {
    const answeredStep = call.steps.find((step) => step.event === 'user_answered');
    const ringEnd = answeredStep ? answeredStep.at.getTime() : call.endedAt.getTime();
    for (const agent of dialled) {
      const until = agent === answeredBy ? call.endedAt.getTime() + 3000 : ringEnd + 1000;
      this.#busyUntil.set(agent.phone, Math.max(this.#busyUntil.get(agent.phone) ?? 0, until));
    }
    const known = this.#callers.get(plan.caller);
    const caller: Caller = known ?? {
      phone: plan.caller,
      calls: 0,
      incoming: 0,
      unanswered: false,
      busy: false,
      lastEndedAt: 0,
    };
    caller.calls += 1;
    if (call.direction === 'incoming') caller.incoming += 1;
    caller.busy = true;
    caller.unanswered = answeredBy === null;
    this.#callers.set(plan.caller, caller);
  }

  async #send(played: PlayedCall): Promise<void> {
    const signal = this.#abort.signal;
    const redeliverIndex = played.plan.redeliver ? Math.floor(this.#random() * played.call.steps.length) : -1;
    let allOk = true;
    const extra: Array<Promise<void>> = [];
    for (const [index, step] of played.call.steps.entries()) {
      if (!(await sleepUntil(dueTime(step), signal))) return;
      allOk = (await this.#deliver(played, step, false)) && allOk;
      if (index === redeliverIndex) {
        // MyOperator did not get (or did not wait for) the answer: the same webhook again, a few seconds later.
        const again = Date.now() + this.#between(2, 6) * 1000;
        extra.push(
          sleepUntil(again, signal).then(async (go) => {
            if (go) allOk = (await this.#deliver(played, step, true)) && allOk;
          }),
        );
      }
    }
    await Promise.all(extra);
    if (signal.aborted) return;
    played.complete = allOk;
    this.#options.onFinished?.(played);
  }

  async #deliver(played: PlayedCall, step: ScenarioStep, redelivery: boolean): Promise<boolean> {
    const delivery: Delivery = { step, sentAt: new Date(), status: null, redelivery };
    played.deliveries.push(delivery);
    try {
      const response = await sendWebhook(this.#options.url, step.payload, {
        encoding: step.encoding,
        ...(this.#options.headers ? { headers: this.#options.headers } : {}),
        ...(this.#options.basic ? { basic: this.#options.basic } : {}),
      });
      delivery.status = response.status;
      if (response.status >= 200 && response.status < 300) return true;
      this.#options.onError?.(`${step.label} of ${played.call.uid}: HTTP ${response.status}`, played);
    } catch (error) {
      if (!this.#abort.signal.aborted) {
        const reason =
          error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : 'failed';
        this.#options.onError?.(`${step.label} of ${played.call.uid}: ${reason}`, played);
      }
    }
    return false;
  }

  /** Places calls until `stop()` or `drain()`: a new one every few seconds, when an agent is free. */
  start(): void {
    if (this.#loop) return;
    this.#placing = true;
    this.#loop = this.#run();
  }

  /** Still placing calls (read afresh: `stop()` and `drain()` change it while the loop sleeps). */
  #isPlacing(): boolean {
    return this.#placing && !this.#abort.signal.aborted;
  }

  async #run(): Promise<void> {
    const signal = this.#abort.signal;
    const meanGap = (this.#options.meanGapSeconds ?? 9) * 1000;
    const maxCalls = this.#options.maxCalls ?? 8;
    // A lively start: the first calls come in a few seconds apart.
    let next = Date.now();
    let opening = 3;
    while (this.#isPlacing()) {
      if (!(await sleepUntil(next, signal)) || !this.#isPlacing()) return;
      const plan = this.#pending.size < maxCalls ? this.nextPlan() : null;
      if (plan) this.play(plan);
      const gap = opening-- > 0 ? 1500 + this.#random() * 2500 : -Math.log(1 - this.#random()) * meanGap;
      next = Date.now() + Math.min(Math.max(gap, 1500), meanGap * 4);
    }
  }

  /** Stops placing calls and waits for the calls in progress to end as planned. */
  async drain(): Promise<void> {
    this.#placing = false;
    await this.#loop;
    while (this.#pending.size > 0) await Promise.all([...this.#pending]);
  }

  /** Stops at once: no new call, no further webhook of the calls in progress (a request on the wire completes). */
  async stop(): Promise<void> {
    this.#placing = false;
    this.#abort.abort();
    await this.#loop;
    await Promise.all([...this.#pending]);
  }
}
