// The example app's SQLite database (better-sqlite3): every webhook received, one row per call built from the
// package's CallSession, the leads that calls from unknown numbers create, and the agents learnt from call logs.

import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

import Database from 'better-sqlite3';
import type { CallEvent, CallSession } from 'myoperator-webhooks';

/** Where a call stands on the board. */
export type CallStatus = 'ringing' | 'in_conversation' | 'finished';

/** A row of `calls`, with its lead, as the APIs and the board get it. */
export interface CallRow {
  uid: string;
  direction: string | null;
  caller: string | null;
  service_number: string | null;
  status: CallStatus;
  /** When the app saw the call enter its status (the board's live timers count from it). */
  status_since: string;
  outcome: string;
  answered_by: string | null;
  agent_name: string | null;
  started_at: string | null;
  answered_at: string | null;
  ended_at: string | null;
  ring_seconds: number | null;
  talk_seconds: number | null;
  last_event: string;
  events: number;
  recording_url: string | null;
  department: string | null;
  format: string;
  lead_id: number | null;
  /** The agents being dialled (E.164, JSON array) while the call rings, from its latest dialling event. */
  dialing: string | null;
  /** The time of that dialling event. */
  dialing_at: string | null;
  version: number;
  created_at: string;
  updated_at: string;
  lead: LeadRow | null;
}

/** A row of `leads`, with the number of calls from its number. */
export interface LeadRow {
  id: number;
  phone: string;
  name: string | null;
  source: string;
  status: string;
  first_call_uid: string | null;
  created_at: string;
  calls: number;
  last_call_at: string | null;
}

/** What an agent is doing now. */
export type AgentState = 'free' | 'ringing' | 'talking';

/** An agent with what they are doing, for the board's agents panel. */
export interface AgentRow {
  /** E.164. */
  phone: string;
  /** Known once an after-call log or a v2 event named them; in-call logs carry numbers only. */
  name: string | null;
  extension: string | null;
  state: AgentState;
  /** The call they are ringing for or talking on. */
  call: {
    uid: string;
    caller: string | null;
    direction: string | null;
    /** When the ringing or the conversation started (event time). */
    since: string | null;
  } | null;
  /** Calls they answered. */
  answered: number;
}

/** The earlier calls with a number, before a given call. */
export interface EarlierCalls {
  /** Calls from the number. */
  incoming: number;
  /** Calls to the number (click to call, campaigns). */
  outgoing: number;
}

/** A row of `webhooks`. */
export interface WebhookRow {
  id: number;
  received_at: string;
  uid: string | null;
  event: string;
  call_state: number | null;
  format: string;
  duplicate: number;
  raw: string;
  normalized: string;
}

/** Counts for the board's header and the demo's summary. */
export interface BoardStats {
  webhooks: number;
  duplicates: number;
  calls: number;
  ringing: number;
  inConversation: number;
  finished: number;
  outcomes: Record<string, number>;
  leads: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS webhooks (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  received_at TEXT    NOT NULL,
  uid         TEXT,
  event       TEXT    NOT NULL,
  call_state  INTEGER,
  format      TEXT    NOT NULL,
  duplicate   INTEGER NOT NULL DEFAULT 0,
  raw         TEXT    NOT NULL,
  normalized  TEXT    NOT NULL
);
CREATE INDEX IF NOT EXISTS webhooks_uid ON webhooks (uid);

CREATE TABLE IF NOT EXISTS leads (
  id             INTEGER PRIMARY KEY AUTOINCREMENT,
  phone          TEXT    NOT NULL UNIQUE,
  name           TEXT,
  source         TEXT    NOT NULL,
  status         TEXT    NOT NULL DEFAULT 'new',
  first_call_uid TEXT,
  created_at     TEXT    NOT NULL
);

CREATE TABLE IF NOT EXISTS calls (
  uid            TEXT    PRIMARY KEY,
  direction      TEXT,
  caller         TEXT,
  service_number TEXT,
  status         TEXT    NOT NULL,
  status_since   TEXT    NOT NULL,
  outcome        TEXT    NOT NULL,
  answered_by    TEXT,
  agent_name     TEXT,
  started_at     TEXT,
  answered_at    TEXT,
  ended_at       TEXT,
  ring_seconds   INTEGER,
  talk_seconds   INTEGER,
  last_event     TEXT    NOT NULL,
  events         INTEGER NOT NULL,
  recording_url  TEXT,
  department     TEXT,
  format         TEXT    NOT NULL,
  lead_id        INTEGER REFERENCES leads (id),
  dialing        TEXT,
  dialing_at     TEXT,
  version        INTEGER NOT NULL DEFAULT 1,
  created_at     TEXT    NOT NULL,
  updated_at     TEXT    NOT NULL
);
CREATE INDEX IF NOT EXISTS calls_caller ON calls (caller);
CREATE INDEX IF NOT EXISTS calls_created ON calls (created_at);

CREATE TABLE IF NOT EXISTS agents (
  phone      TEXT PRIMARY KEY,
  name       TEXT,
  extension  TEXT,
  email      TEXT,
  updated_at TEXT NOT NULL
);
`;

/** Columns added since the first version of the schema: added to an older database when it is opened. */
const ADDED_COLUMNS: ReadonlyArray<readonly [table: string, column: string, type: string]> = [
  ['calls', 'dialing', 'TEXT'],
  ['calls', 'dialing_at', 'TEXT'],
];

/** The events that dial agents: their `users` are the phones ringing (or, click to call, the agent calling). */
const DIALING_EVENTS: ReadonlySet<string> = new Set(['dialing_users', 'click_to_call_initiated']);

/**
 * An agent's number as in-call logs send it (`918586848544`, sometimes 10 digits) in E.164, read with the
 * caller's country code as the package's session does for `answeredBy`.
 */
export function agentE164(value: string, countryCode: string | null): string | null {
  const digits = value.replace(/\D/g, '');
  if (digits.length < 8 || digits.length > 15) return null;
  if (value.trim().startsWith('+') || digits.length > 10) return `+${digits}`;
  return `+${countryCode ?? '91'}${digits}`;
}

/** The event's own time (ISO), or its arrival when it carries none. */
function eventTimeOf(event: CallEvent): string {
  return (event.callTime ?? event.createdAt ?? event.receivedAt).toISOString();
}

function statusOf(session: CallSession): CallStatus {
  if (session.outcome !== 'in_progress') return 'finished';
  return session.answeredAt === null ? 'ringing' : 'in_conversation';
}

const iso = (date: Date | null): string | null => (date === null ? null : date.toISOString());

/** The normalised event as stored: everything but `raw` (stored beside it as sent). */
function normalizedJson(event: CallEvent): string {
  return JSON.stringify({ ...event, raw: undefined });
}

/** The example app's tables and the queries the app, the APIs and the specs use. */
export class CallDatabase {
  readonly db: Database.Database;

  constructor(path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    // Several processes may share the file (the multi-process mode): WAL lets readers go on beside a writer, and
    // a writer waits for another's transaction (up to 5 s) instead of failing with SQLITE_BUSY.
    this.db = new Database(path, { timeout: 5000 });
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('foreign_keys = ON');
    this.db.exec(SCHEMA);
    for (const [table, column, type] of ADDED_COLUMNS) {
      const columns = this.db.prepare(`PRAGMA table_info(${table})`).all() as Array<{ name: string }>;
      if (!columns.some((existing) => existing.name === column)) {
        this.db.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${type}`);
      }
    }
  }

  /** Stores one webhook as it arrived (duplicates too: they are marked, not dropped). */
  recordWebhook(event: CallEvent, duplicate: boolean): void {
    this.db
      .prepare(
        `INSERT INTO webhooks (received_at, uid, event, call_state, format, duplicate, raw, normalized)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        event.receivedAt.toISOString(),
        event.uid,
        event.name,
        event.callState,
        event.format,
        duplicate ? 1 : 0,
        JSON.stringify(event.raw ?? null),
        normalizedJson(event),
      );
  }

  /**
   * Remembers the agents an event names: by number from the in-call logs' `users`, with their names once an
   * after-call log or a v2 event gives them, so that the board can show names instead of numbers.
   */
  learnAgents(event: CallEvent): void {
    const upsert = this.db.prepare(
      `INSERT INTO agents (phone, name, extension, email, updated_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (phone) DO UPDATE SET name = COALESCE(excluded.name, name),
         extension = COALESCE(excluded.extension, extension), email = COALESCE(excluded.email, email),
         updated_at = excluded.updated_at`,
    );
    const now = new Date().toISOString();
    const named = new Set<string>();
    for (const agent of event.agents) {
      const phone = agent.phone?.e164 ?? null;
      if (phone === null) continue;
      named.add(phone);
      upsert.run(phone, agent.name, agent.extension, agent.email, now);
    }
    // An OBD campaign's first party is not an agent, whatever its log's `users` says.
    if (event.name === 'first_party_no_answer') return;
    for (const phone of this.#usersOf(event)) {
      if (!named.has(phone)) upsert.run(phone, null, null, null, now);
    }
  }

  /** The agents' numbers an event carries (`users`), in E.164. */
  #usersOf(event: CallEvent): string[] {
    const countryCode = event.caller?.countryCode ?? null;
    const phones = event.users.map((user) => agentE164(user, countryCode)).filter((phone) => phone !== null);
    return [...new Set(phones)];
  }

  /** The name of an agent by E.164 number (as `CallSession.answeredBy` and `CallAgent.phone.e164` give it). */
  agentName(phone: string | null): string | null {
    if (phone === null) return null;
    const row = this.db.prepare('SELECT name FROM agents WHERE phone = ?').get(phone) as
      { name: string | null } | undefined;
    return row?.name ?? null;
  }

  /**
   * The lead for a caller: an existing one, or a new lead when the call is an incoming call from an unknown
   * number (MyOperator's "add a lead to the CRM" use case). `null` for anyone else.
   */
  leadForCaller(event: CallEvent): LeadRow | null {
    const phone = event.caller?.e164 ?? null;
    if (phone === null) return null;
    const known = this.leadByPhone(phone);
    const incoming = event.direction === 'incoming' || (event.direction === null && event.name === 'incoming_call');
    if (known !== null || !incoming) return known;
    // Looked up first rather than INSERT OR IGNORE, which would use up an id on every call of a known number.
    this.db
      .prepare(`INSERT INTO leads (phone, source, first_call_uid, created_at) VALUES (?, 'Incoming call', ?, ?)`)
      .run(phone, event.uid, event.receivedAt.toISOString());
    return this.leadByPhone(phone);
  }

  leadByPhone(phone: string): LeadRow | null {
    const row = this.db.prepare(`${LEAD_SELECT} WHERE l.phone = ?`).get(phone) as LeadRow | undefined;
    return row ?? null;
  }

  /**
   * Writes the call's row from its session (the package's view of the whole call so far). What the session says
   * is taken only from a session at least as complete as the one the row was written from: several workers may
   * save a call's events in any order, each with the session as it read it, and an older view never overwrites a
   * newer one. What only the event says (its recording, its dialled agents) is merged whatever the order.
   */
  upsertCall(event: CallEvent, session: CallSession, lead: LeadRow | null): void {
    const now = new Date().toISOString();
    const answeredBy = session.answeredBy;
    const agentName = this.agentName(answeredBy);
    const recording = event.recording?.url ?? null;
    const dialing = DIALING_EVENTS.has(event.name) ? this.#usersOf(event) : [];
    this.db
      .prepare(
        `INSERT INTO calls (uid, direction, caller, service_number, status, status_since, outcome, answered_by, agent_name,
           started_at, answered_at, ended_at, ring_seconds, talk_seconds, last_event, events, recording_url,
           department, format, lead_id, dialing, dialing_at, created_at, updated_at)
         VALUES (@uid, @direction, @caller, @service_number, @status, @now, @outcome, @answered_by, @agent_name,
           @started_at, @answered_at, @ended_at, @ring_seconds, @talk_seconds, @last_event, @events, @recording_url,
           @department, @format, @lead_id, @dialing, @dialing_at, @now, @now)
         ON CONFLICT (uid) DO UPDATE SET
           direction = COALESCE(direction, excluded.direction),
           caller = COALESCE(caller, excluded.caller),
           service_number = COALESCE(service_number, excluded.service_number),
           status_since = CASE WHEN excluded.events >= events AND status <> excluded.status
             THEN excluded.status_since ELSE status_since END,
           status = CASE WHEN excluded.events >= events THEN excluded.status ELSE status END,
           outcome = CASE WHEN excluded.events >= events THEN excluded.outcome ELSE outcome END,
           answered_by = CASE WHEN excluded.events >= events THEN excluded.answered_by ELSE answered_by END,
           agent_name = CASE WHEN excluded.events >= events THEN COALESCE(excluded.agent_name, agent_name)
             ELSE COALESCE(agent_name, excluded.agent_name) END,
           started_at = CASE WHEN excluded.events >= events THEN excluded.started_at ELSE started_at END,
           answered_at = CASE WHEN excluded.events >= events THEN excluded.answered_at ELSE answered_at END,
           ended_at = CASE WHEN excluded.events >= events THEN excluded.ended_at ELSE ended_at END,
           ring_seconds = CASE WHEN excluded.events >= events THEN excluded.ring_seconds ELSE ring_seconds END,
           talk_seconds = CASE WHEN excluded.events >= events THEN excluded.talk_seconds ELSE talk_seconds END,
           last_event = CASE WHEN excluded.events >= events THEN excluded.last_event ELSE last_event END,
           events = MAX(events, excluded.events),
           recording_url = COALESCE(excluded.recording_url, recording_url),
           department = COALESCE(excluded.department, department),
           lead_id = COALESCE(lead_id, excluded.lead_id),
           dialing = CASE WHEN excluded.dialing IS NOT NULL AND (dialing_at IS NULL OR excluded.dialing_at >= dialing_at)
             THEN excluded.dialing ELSE dialing END,
           dialing_at = CASE WHEN excluded.dialing IS NOT NULL AND (dialing_at IS NULL OR excluded.dialing_at >= dialing_at)
             THEN excluded.dialing_at ELSE dialing_at END,
           version = version + 1, updated_at = excluded.updated_at`,
      )
      .run({
        uid: session.uid,
        direction: event.direction,
        caller: event.caller?.e164 ?? event.caller?.raw ?? null,
        service_number: event.serviceNumber,
        status: statusOf(session),
        outcome: session.outcome,
        answered_by: answeredBy,
        agent_name: agentName,
        started_at: iso(session.startedAt),
        answered_at: iso(session.answeredAt),
        ended_at: iso(session.endedAt),
        ring_seconds: session.ringSeconds,
        talk_seconds: session.talkSeconds,
        last_event: session.events.at(-1)?.name ?? event.name,
        events: session.events.length,
        recording_url: recording,
        department: event.department?.name ?? null,
        format: event.format,
        lead_id: lead?.id ?? null,
        dialing: dialing.length > 0 ? JSON.stringify(dialing) : null,
        dialing_at: dialing.length > 0 ? eventTimeOf(event) : null,
        now,
      });
  }

  /** One call with its lead, or `null`. */
  call(uid: string): CallRow | null {
    const row = this.db.prepare('SELECT * FROM calls WHERE uid = ?').get(uid) as Omit<CallRow, 'lead'> | undefined;
    return row ? this.#withLead(row) : null;
  }

  /**
   * The most recent calls first (by start; finished calls by end when only they are asked for), optionally only
   * those created since a time or in a status.
   */
  calls(options: { limit?: number; since?: string; status?: CallStatus } = {}): CallRow[] {
    const where: string[] = [];
    const params: Array<string | number> = [];
    if (options.since !== undefined) {
      where.push('created_at >= ?');
      params.push(options.since);
    }
    if (options.status !== undefined) {
      where.push('status = ?');
      params.push(options.status);
    }
    params.push(options.limit ?? 100);
    const order =
      options.status === 'finished'
        ? 'COALESCE(ended_at, updated_at) DESC, updated_at DESC'
        : 'COALESCE(started_at, created_at) DESC, created_at DESC';
    const rows = this.db
      .prepare(
        `SELECT * FROM calls ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ${order} LIMIT ?`,
      )
      .all(...params) as Array<Omit<CallRow, 'lead'>>;
    return rows.map((row) => this.#withLead(row));
  }

  /**
   * Every agent the app has seen, with what they are doing: talking on a call they answered that is not over,
   * ringing for a call that dials them, or free.
   */
  agents(): AgentRow[] {
    const agents = this.db
      .prepare(
        `SELECT a.phone, a.name, a.extension,
           (SELECT COUNT(*) FROM calls c WHERE c.answered_by = a.phone AND c.outcome = 'answered') AS answered
         FROM agents a ORDER BY COALESCE(a.name, a.phone)`,
      )
      .all() as Array<Pick<AgentRow, 'phone' | 'name' | 'extension' | 'answered'>>;
    const open = this.db
      .prepare(
        `SELECT uid, caller, direction, status, answered_by, answered_at, dialing, dialing_at, started_at
         FROM calls WHERE status != 'finished' ORDER BY COALESCE(started_at, created_at)`,
      )
      .all() as Array<
      Pick<CallRow, 'uid' | 'caller' | 'direction' | 'status' | 'answered_by' | 'answered_at' | 'dialing'> &
        Pick<CallRow, 'dialing_at' | 'started_at'>
    >;
    const doing = new Map<string, Pick<AgentRow, 'state' | 'call'>>();
    for (const call of open) {
      const about = { uid: call.uid, caller: call.caller, direction: call.direction };
      if (call.status === 'in_conversation' && call.answered_by !== null) {
        doing.set(call.answered_by, { state: 'talking', call: { ...about, since: call.answered_at } });
      }
    }
    for (const call of open) {
      if (call.status !== 'ringing' || call.dialing === null) continue;
      for (const phone of JSON.parse(call.dialing) as string[]) {
        if (!doing.has(phone)) {
          doing.set(phone, {
            state: 'ringing',
            call: { uid: call.uid, caller: call.caller, direction: call.direction, since: call.dialing_at },
          });
        }
      }
    }
    return agents.map((agent) => ({ ...agent, ...(doing.get(agent.phone) ?? { state: 'free', call: null }) }));
  }

  /** The calls with a number before the given call (another uid, started earlier), by direction. */
  earlierCalls(phone: string, uid: string | null): EarlierCalls {
    const rows = this.db
      .prepare(
        `SELECT direction, COUNT(*) AS n FROM calls WHERE caller = ? AND uid IS NOT ?
           AND COALESCE(started_at, created_at) <= COALESCE((SELECT COALESCE(started_at, created_at) FROM calls WHERE uid = ?), '9999')
         GROUP BY direction`,
      )
      .all(phone, uid, uid) as Array<{ direction: string | null; n: number }>;
    const earlier: EarlierCalls = { incoming: 0, outgoing: 0 };
    for (const row of rows) {
      if (row.direction === 'outgoing') earlier.outgoing += row.n;
      else earlier.incoming += row.n;
    }
    return earlier;
  }

  /** The newest leads first. */
  leads(limit = 100): LeadRow[] {
    return this.db.prepare(`${LEAD_SELECT} ORDER BY l.created_at DESC, l.id DESC LIMIT ?`).all(limit) as LeadRow[];
  }

  /** The webhooks of one call, in arrival order. */
  webhooks(uid: string): WebhookRow[] {
    return this.db.prepare('SELECT * FROM webhooks WHERE uid = ? ORDER BY id').all(uid) as WebhookRow[];
  }

  stats(): BoardStats {
    const count = (sql: string): number => (this.db.prepare(sql).get() as { n: number }).n;
    const outcomes: Record<string, number> = {};
    const rows = this.db.prepare('SELECT outcome, COUNT(*) AS n FROM calls GROUP BY outcome').all() as Array<{
      outcome: string;
      n: number;
    }>;
    for (const row of rows) outcomes[row.outcome] = row.n;
    return {
      webhooks: count('SELECT COUNT(*) AS n FROM webhooks'),
      duplicates: count('SELECT COUNT(*) AS n FROM webhooks WHERE duplicate = 1'),
      calls: count('SELECT COUNT(*) AS n FROM calls'),
      ringing: count("SELECT COUNT(*) AS n FROM calls WHERE status = 'ringing'"),
      inConversation: count("SELECT COUNT(*) AS n FROM calls WHERE status = 'in_conversation'"),
      finished: count("SELECT COUNT(*) AS n FROM calls WHERE status = 'finished'"),
      outcomes,
      leads: count('SELECT COUNT(*) AS n FROM leads'),
    };
  }

  /**
   * Runs `work` in one transaction, holding the write lock from its start (BEGIN IMMEDIATE): another process's
   * transaction cannot slip between a read and the write that depends on it (a lead looked up, then created).
   */
  transaction<T>(work: () => T): T {
    return this.db.transaction(work).immediate();
  }

  ping(): boolean {
    return (this.db.prepare('SELECT 1 AS ok').get() as { ok: number }).ok === 1;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  #withLead(row: Omit<CallRow, 'lead'>): CallRow {
    const lead =
      row.lead_id !== null
        ? ((this.db.prepare(`${LEAD_SELECT} WHERE l.id = ?`).get(row.lead_id) as LeadRow | undefined) ?? null)
        : row.caller !== null
          ? this.leadByPhone(row.caller)
          : null;
    return { ...row, lead };
  }
}

const LEAD_SELECT = `SELECT l.*, (SELECT COUNT(*) FROM calls c WHERE c.caller = l.phone) AS calls,
  (SELECT MAX(COALESCE(c.started_at, c.created_at)) FROM calls c WHERE c.caller = l.phone) AS last_call_at
  FROM leads l`;
