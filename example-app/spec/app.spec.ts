// The example app end to end: the simulator CLI plays every scenario against it over HTTP, and the rows in its
// SQLite database (calls, webhooks, leads) and its JSON APIs say what the calls were.

import './built';

import {
  buildScenario,
  SCENARIO_AGENTS,
  SCENARIO_CALLERS,
  SCENARIOS,
  type ScenarioName,
} from 'myoperator-webhooks/testing';

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import Database from 'better-sqlite3';
import { CallEvents, normalizePayload, type CallEvent, type CallSession } from 'myoperator-webhooks';
import { sendWebhook, type ScenarioStep } from 'myoperator-webhooks/testing';

import { buildDemoCall, DEMO_AGENTS, type DemoCallPlan } from '../call-centre';
import { CallDatabase, type AgentRow, type CallRow, type LeadRow } from '../database';
import { requestLines, runCli, startExample, TOKEN_HEADER, type RunningExample } from './helpers';

jest.setTimeout(120_000);

let running: RunningExample;
beforeEach(async () => {
  running = await startExample();
});
afterEach(async () => {
  await running.stop();
});

const AUTH = ['--header', TOKEN_HEADER];
const [priya, arjun] = DEMO_AGENTS as [(typeof DEMO_AGENTS)[number], (typeof DEMO_AGENTS)[number]];

let sequence = 0;
/** A demo call that happened `agoSeconds` ago, its webhooks to be sent at once (late, never early). */
function pastCall(plan: DemoCallPlan, agoSeconds: number) {
  const startedAt = new Date(Math.floor(Date.now() / 1000 - agoSeconds) * 1000);
  return buildDemoCall(plan, startedAt, `n2.${Math.floor(startedAt.getTime() / 1000)}.${7_000_000 + sequence++}`).call;
}

async function send(step: ScenarioStep): Promise<void> {
  const response = await sendWebhook(running.webhook, step.payload, {
    encoding: step.encoding,
    headers: [TOKEN_HEADER],
  });
  expect(response.status).toBe(200);
}

async function agentsNow(): Promise<Record<string, Pick<AgentRow, 'state' | 'name'> & { uid: string | null }>> {
  const { agents } = (await (await fetch(`${running.base}/api/agents`)).json()) as { agents: AgentRow[] };
  return Object.fromEntries(
    agents.map((agent) => [agent.phone, { state: agent.state, name: agent.name, uid: agent.call?.uid ?? null }]),
  );
}

/** Each call of a `--json` run: its uid, scenario and index in the run (which picks caller, agent, durations). */
function playedCalls(stdout: string): Map<string, { scenario: ScenarioName; index: number }> {
  const played = new Map<string, { scenario: ScenarioName; index: number }>();
  for (const line of requestLines(stdout)) {
    played.set(line.uid, { scenario: line.scenario as ScenarioName, index: line.call - 1 });
  }
  return played;
}

function callRow(uid: string): CallRow | undefined {
  return running.query<CallRow>('SELECT * FROM calls WHERE uid = ?', uid)[0];
}

describe('the example app', () => {
  it('saves every scenario: one call row each with its outcome, agent, ring and talk time', async () => {
    const result = await runCli(['simulate', 'all', '--url', running.webhook, ...AUTH, '--calls', '2', '--json']);
    expect(result.code).toBe(0);

    const played = playedCalls(result.stdout);
    expect(played.size).toBe(12);
    expect(running.query<{ n: number }>('SELECT COUNT(*) AS n FROM calls')[0]?.n).toBe(12);
    for (const [uid, { scenario, index }] of played) {
      const call = buildScenario(scenario, { index });
      const row = callRow(uid);
      const agent = SCENARIO_AGENTS[index % SCENARIO_AGENTS.length]!;
      expect({
        scenario,
        status: row?.status,
        outcome: row?.outcome,
        direction: row?.direction,
        caller: row?.caller,
        answered_by: row?.answered_by,
        agent_name: row?.agent_name,
        ring_seconds: row?.ring_seconds,
        talk_seconds: row?.talk_seconds,
      }).toEqual({
        scenario,
        status: 'finished',
        outcome: call.expected.outcome,
        direction: SCENARIOS[scenario].direction,
        caller: SCENARIO_CALLERS[index % SCENARIO_CALLERS.length],
        answered_by: call.expected.answered ? agent.phone : null,
        // Names come with the after-call log, which every answered scenario sends.
        agent_name: call.expected.answered ? agent.name : null,
        ring_seconds: call.expected.ringSeconds,
        talk_seconds: call.expected.talkSeconds,
      });
    }
  });

  it('stores every webhook received, raw and normalised', async () => {
    const result = await runCli(['simulate', 'answered', '--url', running.webhook, ...AUTH, '--json']);
    const [uid] = [...playedCalls(result.stdout).keys()];

    const rows = running.query<{ event: string; format: string; raw: string; normalized: string; duplicate: number }>(
      'SELECT event, format, raw, normalized, duplicate FROM webhooks WHERE uid = ? ORDER BY id',
      uid,
    );
    expect(rows.map((row) => [row.event, row.format, row.duplicate])).toEqual([
      ['incoming_call', 'incall-v1', 0],
      ['dialing_users', 'incall-v1', 0],
      ['user_answered', 'incall-v1', 0],
      ['call_finished', 'incall-v1', 0],
      ['call_summary', 'aftercall-v1', 0],
    ]);
    const raw = JSON.parse(rows[2]!.raw) as Record<string, unknown>;
    const normalized = JSON.parse(rows[2]!.normalized) as Record<string, unknown>;
    expect([raw.call_state, raw.uid]).toEqual(['6', uid]);
    expect(normalized).toMatchObject({ name: 'user_answered', callState: 6, uid, caller: { e164: '+919711636496' } });
    expect(normalized).not.toHaveProperty('raw');
  });

  it('creates a lead for an incoming call from an unknown number, once per number', async () => {
    const result = await runCli(['simulate', 'all', '--url', running.webhook, ...AUTH, '--calls', '2', '--json']);
    expect(result.code).toBe(0);
    // The incoming scenarios of the run: answered (#1, #7) and missed (#2, #8); calls 9+ would repeat callers.
    const incomingCallers = [0, 1, 6, 7].map((index) => SCENARIO_CALLERS[index]);
    const again = await runCli(['simulate', 'answered', '--url', running.webhook, ...AUTH, '--json']);
    expect(again.code).toBe(0);

    const leads = running.query<LeadRow>('SELECT * FROM leads ORDER BY id');
    expect(leads.map((lead) => lead.phone).sort()).toEqual([...incomingCallers].sort());
    expect(leads.every((lead) => lead.source === 'Incoming call' && lead.status === 'new')).toBe(true);
    // Calls with the first caller: answered #1, the click-to-call #9 to the same number (no new lead: outgoing),
    // and the answered call played again (no new lead: the number is known).
    const first = leads.find((lead) => lead.phone === SCENARIO_CALLERS[0])!;
    expect(
      running.query<{ direction: string }>('SELECT direction FROM calls WHERE caller = ?', first.phone),
    ).toHaveLength(3);

    const api = (await (await fetch(`${running.base}/api/leads`)).json()) as { leads: LeadRow[] };
    expect(api.leads.find((lead) => lead.phone === SCENARIO_CALLERS[0])?.calls).toBe(3);
  });

  it('takes GET webhooks with the panel query parameters it documents', async () => {
    const query = [
      'caller_number=callerNumber',
      'call_state=callState',
      'uid=uid',
      'created=createdAt',
      'event=direction',
      'status=status',
      'user_phone=userPhoneNumber',
    ].flatMap((pair) => ['--query', pair]);
    const result = await runCli([
      'simulate',
      'answered',
      '--url',
      running.webhook,
      ...AUTH,
      '--method',
      'GET',
      ...query,
      '--json',
    ]);
    expect(result.code).toBe(0);

    const [uid] = [...playedCalls(result.stdout).keys()];
    const expected = buildScenario('answered', { index: 0 }).expected;
    expect(callRow(uid!)).toMatchObject({
      outcome: 'answered',
      caller: '+919711636496',
      direction: 'incoming',
      answered_by: '+918586848544',
      ring_seconds: expected.ringSeconds,
      talk_seconds: expected.talkSeconds,
    });
    expect(running.query<{ format: string }>('SELECT DISTINCT format FROM webhooks')).toEqual([{ format: 'query' }]);
  });

  it('takes Webhook v2 and learns agent names from it', async () => {
    const result = await runCli([
      'simulate',
      'answered',
      '--url',
      running.webhook,
      ...AUTH,
      '--format',
      'v2',
      '--json',
    ]);
    expect(result.code).toBe(0);

    const [uid] = [...playedCalls(result.stdout).keys()];
    const expected = buildScenario('answered', { index: 0, format: 'v2' }).expected;
    expect(callRow(uid!)).toMatchObject({
      outcome: 'answered',
      agent_name: SCENARIO_AGENTS[0]!.name,
      ring_seconds: expected.ringSeconds,
      talk_seconds: expected.talkSeconds,
      format: 'v2',
    });
  });

  it('records duplicates as such, and runs the call through once', async () => {
    const result = await runCli(['simulate', 'missed', '--url', running.webhook, ...AUTH, '--duplicate', '--json']);
    expect(result.code).toBe(0);

    const [uid] = [...playedCalls(result.stdout).keys()];
    expect(running.query<{ duplicate: number }>('SELECT duplicate FROM webhooks ORDER BY id')).toEqual(
      [0, 1, 0, 1, 0, 1, 0, 1].map((duplicate) => ({ duplicate })),
    );
    expect(callRow(uid!)).toMatchObject({ outcome: 'missed', events: 4 });
    const stats = (await (await fetch(`${running.base}/api/stats`)).json()) as Record<string, unknown>;
    expect(stats).toMatchObject({
      webhooks: 8,
      duplicates: 4,
      calls: 1,
      finished: 1,
      outcomes: { missed: 1 },
      leads: 1,
    });
  });

  it('answers 401 without the configured header, and stores nothing', async () => {
    const result = await runCli(['simulate', 'answered', '--url', running.webhook]);

    expect(result.code).toBe(1);
    expect(result.stdout).toContain('401');
    expect(running.query<{ n: number }>('SELECT COUNT(*) AS n FROM webhooks')[0]?.n).toBe(0);
  });

  it('serves the call, its webhooks, the health check and the board', async () => {
    const result = await runCli(['simulate', 'click-to-call', '--url', running.webhook, ...AUTH, '--json']);
    const [uid] = [...playedCalls(result.stdout).keys()];

    const list = (await (await fetch(`${running.base}/api/calls?status=finished`)).json()) as { calls: CallRow[] };
    expect(list.calls.map((call) => [call.uid, call.outcome, call.direction])).toEqual([[uid, 'answered', 'outgoing']]);
    const detail = (await (await fetch(`${running.base}/api/calls/${uid!}`)).json()) as {
      call: CallRow;
      webhooks: Array<{ event: string; raw: unknown }>;
    };
    expect(detail.webhooks.map((webhook) => webhook.event)).toEqual([
      'click_to_call_initiated',
      'user_answered',
      'call_finished',
      'call_summary',
    ]);
    expect(detail.call.recording_url).toMatch(/^https:\/\/app\.myoperator\.co\/audio\//);
    expect((await fetch(`${running.base}/api/calls/nope`)).status).toBe(404);
    expect((await fetch(`${running.base}/api/calls?status=lost`)).status).toBe(400);
    expect(await (await fetch(`${running.base}/healthz`)).json()).toEqual({ ok: true, boards: 0 });
    const page = await fetch(`${running.base}/`);
    expect([page.status, (await page.text()).includes('data-testid="column-ringing"')]).toEqual([200, true]);
  });

  it('streams call updates to boards over Server-Sent Events', async () => {
    const controller = new AbortController();
    const response = await fetch(`${running.base}/events`, { signal: controller.signal });
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = '';
    const played = runCli(['simulate', 'answered', '--url', running.webhook, ...AUTH]);
    while (!text.includes('event: screen-pop') || !text.includes('"status":"finished"')) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    controller.abort();
    expect((await played).code).toBe(0);

    expect(text).toContain('event: hello');
    expect(text).toMatch(/event: call\ndata: \{[^\n]*"status":"ringing"/);
    expect(text).toMatch(/event: call\ndata: \{[^\n]*"status":"in_conversation"/);
    expect(text).toMatch(/event: screen-pop\ndata: \{[^\n]*"caller":"\+919711636496"/);
    expect(text).toMatch(/event: stats\ndata: \{"webhooks":\d+/);
  });

  it('knows which agent rings, talks or is free, by number until a log names them', async () => {
    const call = pastCall(
      { scenario: 'answered', caller: '+919123400001', agents: [priya], ringSeconds: 5, talkSeconds: 20 },
      60,
    );
    const [incoming, dialing, answered, finished, summary] = call.steps;
    // The in-call logs carry the agents' numbers from the first one: known, and free while the IVR plays.
    await send(incoming!);
    expect(await agentsNow()).toEqual({ [priya.phone]: { state: 'free', name: null, uid: null } });
    await send(dialing!);
    expect(await agentsNow()).toEqual({ [priya.phone]: { state: 'ringing', name: null, uid: call.uid } });
    await send(answered!);
    expect(await agentsNow()).toEqual({ [priya.phone]: { state: 'talking', name: null, uid: call.uid } });
    await send(finished!);
    expect(await agentsNow()).toEqual({ [priya.phone]: { state: 'free', name: null, uid: null } });
    await send(summary!);
    expect(await agentsNow()).toEqual({ [priya.phone]: { state: 'free', name: 'Priya Sharma', uid: null } });

    // An OBD campaign call dials no agent, whatever its log's users say.
    for (const step of pastCall({ scenario: 'obd-no-answer', caller: '+919123400002', agents: [], ringSeconds: 9 }, 30)
      .steps) {
      await send(step);
    }
    expect(Object.keys(await agentsNow())).toEqual([priya.phone]);
    const api = (await (await fetch(`${running.base}/api/agents`)).json()) as { agents: AgentRow[] };
    expect(api.agents[0]?.answered).toBe(1);
  });

  it('tells calls from a number and calls to it apart, for the screen-pop', async () => {
    const caller = '+919123400003';
    // An agent called the number twice, then the number calls in: a new lead, which agents had called before.
    const out1 = pastCall({ scenario: 'click-to-call', caller, agents: [arjun], ringSeconds: 4, talkSeconds: 30 }, 600);
    const out2 = pastCall({ scenario: 'click-to-call-rejected', caller, agents: [arjun], ringSeconds: 6 }, 300);
    const inbound = pastCall({ scenario: 'answered', caller, agents: [priya], ringSeconds: 5, talkSeconds: 9 }, 40);
    for (const step of [...out1.steps, ...out2.steps, ...inbound.steps]) await send(step);

    const database = running.example.database;
    expect(database.earlierCalls(caller, inbound.uid)).toEqual({ incoming: 0, outgoing: 2 });
    expect(database.earlierCalls(caller, out2.uid)).toEqual({ incoming: 0, outgoing: 1 });
    const row = callRow(inbound.uid)!;
    expect(database.call(inbound.uid)?.lead?.first_call_uid).toBe(inbound.uid);
    expect(row.dialing).toBe(JSON.stringify([priya.phone]));
  });

  it('lists finished calls by when they ended, the latest first', async () => {
    // Started long ago and long: it ended last.
    const long = pastCall(
      { scenario: 'answered', caller: '+919123400004', agents: [priya], ringSeconds: 5, talkSeconds: 500 },
      600,
    );
    const short = pastCall({ scenario: 'missed', caller: '+919123400005', agents: [arjun], ringSeconds: 20 }, 300);
    for (const step of [...short.steps, ...long.steps]) await send(step);
    const { calls } = (await (await fetch(`${running.base}/api/calls?status=finished`)).json()) as { calls: CallRow[] };
    expect(calls.map((call) => call.uid)).toEqual([long.uid, short.uid]);
    const all = (await (await fetch(`${running.base}/api/calls`)).json()) as { calls: CallRow[] };
    expect(all.calls.map((call) => call.uid)).toEqual([short.uid, long.uid]);
  });
});

describe('the example database', () => {
  it('never lets an older view of a call overwrite a newer one (workers may save events in any order)', async () => {
    // Each event of a call with the session as it stood after it, as the handlers get them.
    const calls = new CallEvents();
    const seen: Array<{ event: CallEvent; session: CallSession }> = [];
    calls.onAny((event, ctx) => {
      if (ctx.session) seen.push({ event, session: ctx.session });
    });
    const call = pastCall(
      { scenario: 'answered', caller: '+919123400009', agents: [priya], ringSeconds: 5, talkSeconds: 30 },
      120,
    );
    for (const step of call.steps) await calls.receive(normalizePayload(step.payload));
    expect(seen).toHaveLength(call.steps.length);

    const database = new CallDatabase(':memory:');
    try {
      // The last event saved first, then the others from the newest to the oldest.
      for (const { event, session } of [...seen].reverse()) database.upsertCall(event, session, null);
      expect(database.call(call.uid)).toMatchObject({
        status: 'finished',
        outcome: 'answered',
        events: call.steps.length,
        last_event: 'call_summary',
        answered_by: priya.phone,
        talk_seconds: 30,
        // What only the dialling event says is kept, whenever it was saved.
        dialing: JSON.stringify([priya.phone]),
        recording_url: expect.stringMatching(/^https:\/\//) as unknown,
      });
    } finally {
      database.close();
    }
  });

  it('opens a database of the first schema and adds the columns it lacks', () => {
    const directory = mkdtempSync(join(tmpdir(), 'myoperator-old-db-'));
    const path = join(directory, 'calls.db');
    const old = new Database(path);
    old.exec(`CREATE TABLE calls (uid TEXT PRIMARY KEY, direction TEXT, caller TEXT, service_number TEXT,
      status TEXT NOT NULL, status_since TEXT NOT NULL, outcome TEXT NOT NULL, answered_by TEXT, agent_name TEXT,
      started_at TEXT, answered_at TEXT, ended_at TEXT, ring_seconds INTEGER, talk_seconds INTEGER,
      last_event TEXT NOT NULL, events INTEGER NOT NULL, recording_url TEXT, department TEXT, format TEXT NOT NULL,
      lead_id INTEGER, version INTEGER NOT NULL DEFAULT 1, created_at TEXT NOT NULL, updated_at TEXT NOT NULL)`);
    old.close();
    try {
      const database = new CallDatabase(path);
      const columns = (database.db.prepare('PRAGMA table_info(calls)').all() as Array<{ name: string }>).map(
        (column) => column.name,
      );
      expect(columns).toEqual(expect.arrayContaining(['dialing', 'dialing_at']));
      database.close();
      // Opening it again finds them there and adds nothing.
      const again = new CallDatabase(path);
      expect(again.db.prepare('PRAGMA table_info(calls)').all().length).toBe(columns.length);
      again.close();
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
