// The two traffic shapes every variant receives, and the per-connection generator of request bodies that the load
// process runs. The runner builds the plan (from the package's testing builders); the load process only fills in
// uids, so building a body costs it one string join.

import { AUTH_HEADER_LINE, isObject, loadTesting, WEBHOOK_PATH } from './common';

/** `realistic`: whole calls, in order, some redeliveries. `worst`: a new call (a new uid) in every request. */
export type TrafficShape = 'realistic' | 'worst';

export const TRAFFIC_SHAPES: readonly TrafficShape[] = ['realistic', 'worst'];

/** A body with holes for the call's uid: `parts.join(uid)`. */
export interface BodyTemplate {
  /** What the request stands for, e.g. `answered: state 6` (for the README and the smoke check's messages). */
  label: string;
  parts: string[];
}

/** What the load process needs to generate one shape's requests: the calls it cycles through, and how often to redeliver. */
export interface TrafficPlan {
  shape: TrafficShape;
  path: string;
  headers: Record<string, string>;
  /** The calls, each its webhooks in the order MyOperator sends them; the generator cycles through them. */
  calls: BodyTemplate[][];
  /** The share of requests that resend a body this connection sent before (0 for the worst case). */
  redeliveryRate: number;
}

/** Stands for the uid in the templates; URL-safe, so it survives form encoding unchanged. */
const UID_PLACEHOLDER = 'BENCHUIDPLACEHOLDER';

/** The calls of the realistic shape, in the order they repeat: 5, 4, 5 and 4 webhooks (4.5 a call on average). */
const REALISTIC_SCENARIOS = ['answered', 'missed', 'answered', 'click-to-call'] as const;

/** About one request in twenty is a redelivery, as when MyOperator retries a webhook it thinks was not received. */
export const REDELIVERY_RATE = 0.05;

function template(label: string, body: string | undefined): BodyTemplate {
  const parts = (body ?? '').split(UID_PLACEHOLDER);
  if (parts.length < 2) throw new Error(`${label}: the uid placeholder is missing from the body`);
  return { label, parts };
}

/** The plan of one traffic shape, built from `myoperator-webhooks/testing` (the seed's payloads, form-encoded). */
export function buildTrafficPlan(shape: TrafficShape): TrafficPlan {
  const { buildInCallLog, buildScenario, buildWebhookRequest } = loadTesting();
  const request = (payload: unknown): ReturnType<typeof buildWebhookRequest> =>
    buildWebhookRequest(payload, { path: WEBHOOK_PATH, headers: [AUTH_HEADER_LINE], encoding: 'form' });
  if (shape === 'worst') {
    const seed = request(buildInCallLog({ uid: UID_PLACEHOLDER }));
    return {
      shape,
      path: seed.path,
      headers: seed.headers,
      calls: [[template('in-call log (seed), state 1', seed.body)]],
      redeliveryRate: 0,
    };
  }
  const requests = REALISTIC_SCENARIOS.map((scenario, index) =>
    buildScenario(scenario, { uid: UID_PLACEHOLDER, index }).steps.map((step) => ({
      label: `${scenario}: ${step.label}`,
      built: request(step.payload),
    })),
  );
  const headers = requests[0]?.[0]?.built.headers;
  if (!headers) throw new Error('no realistic calls');
  const calls = requests.map((steps) =>
    steps.map(({ label, built }) => {
      if (JSON.stringify(built.headers) !== JSON.stringify(headers)) throw new Error(`${label}: other headers`);
      return template(label, built.body);
    }),
  );
  return { shape, path: WEBHOOK_PATH, headers, calls, redeliveryRate: REDELIVERY_RATE };
}

/** A small deterministic random number generator (mulberry32), so that every run sends the same sequence. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** How many recent bodies a connection may redeliver from (the current call and the one before it). */
const RECENT = 10;

/** The bodies one connection sends: its own calls, each in order, so that a call's webhooks never overtake each other. */
export interface BodyGenerator {
  next(): string;
  readonly redeliveries: number;
}

/**
 * The generator of connection `connection`: calls `<uidPrefix>.<connection>.<n>` cycling through the plan's calls;
 * with the plan's probability a request resends one of the connection's last bodies instead.
 */
export function bodyGenerator(plan: TrafficPlan, uidPrefix: string, connection: number): BodyGenerator {
  const next = random(0x9e3779b9 ^ (connection * 2654435761));
  const recent: string[] = [];
  let call = 0;
  let step = 0;
  let uid = `${uidPrefix}.${connection}.0`;
  let redeliveries = 0;
  return {
    get redeliveries() {
      return redeliveries;
    },
    next() {
      if (plan.redeliveryRate > 0 && recent.length > 0 && next() < plan.redeliveryRate) {
        redeliveries++;
        return recent[Math.floor(next() * recent.length)]!;
      }
      const steps = plan.calls[call % plan.calls.length]!;
      const body = steps[step]!.parts.join(uid);
      step++;
      if (step === steps.length) {
        step = 0;
        call++;
        uid = `${uidPrefix}.${connection}.${call}`;
      }
      if (plan.redeliveryRate > 0) {
        recent.push(body);
        if (recent.length > RECENT) recent.shift();
      }
      return body;
    },
  };
}

/** Runner -> load process: one burst against one server. */
export interface LoadOrder {
  url: string;
  traffic: TrafficPlan;
  /** Unique per variant, shape, round and phase, so no two calls of a whole run share a uid. */
  uidPrefix: string;
  connections: number;
  seconds: number;
}

export function isLoadOrder(message: unknown): message is LoadOrder {
  return isObject(message) && typeof message.url === 'string' && isObject(message.traffic);
}
