// The example app: MyOperator's webhook (myOperatorWebhook) saved to SQLite, a live call board over Server-Sent
// Events with a screen-pop when an agent answers, and the JSON APIs the board reads. Uses only the public package.

import { join } from 'node:path';

import express, { type NextFunction, type Request, type Response } from 'express';
import {
  CallEvents,
  myOperatorWebhook,
  type AuthenticateOptions,
  type CallEvent,
  type QueryParamMapping,
} from 'myoperator-webhooks';

import { CallDatabase, type CallStatus } from './database';
import { LiveUpdates } from './live';

/**
 * The query string parameters the example expects, as they would be set up in MyOperator's panel (name ->
 * dropdown field). With a GET webhook they are all the app gets; with POST they come beside the call log.
 */
export const DEFAULT_QUERY_PARAMS: QueryParamMapping = {
  caller_number: 'Caller number with country code',
  call_state: 'Call state',
  uid: 'UID',
  created: 'Creation date of log (epoch)',
  event: 'Event of log',
  status: 'Status of log',
  user_phone: "User's phone number",
};

export interface ExampleAppOptions {
  /** The SQLite file (created with its folder if missing), or `':memory:'`. */
  databasePath: string;
  /** The credentials MyOperator is set up to send; `false` accepts any request (never in production). */
  auth: Readonly<AuthenticateOptions> | false;
  /** @default DEFAULT_QUERY_PARAMS */
  queryParams?: QueryParamMapping;
  /** One line per webhook answered. @default silent */
  log?: (line: string) => void;
}

/** The app and what it is made of, for the server and the specs. */
export interface ExampleApp {
  app: express.Express;
  database: CallDatabase;
  calls: CallEvents;
  live: LiveUpdates;
  /** Ends the board streams and closes the database. */
  close(): void;
}

const CALL_STATUSES: readonly CallStatus[] = ['ringing', 'in_conversation', 'finished'];

function queryText(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * Builds the example app.
 * @example
 * const { app } = createExampleApp({ databasePath: 'calls.db', auth: { headers: ['x-myoperator-token: s3cret'] } });
 * app.listen(3000, '127.0.0.1');
 */
export function createExampleApp(options: Readonly<ExampleAppOptions>): ExampleApp {
  const database = new CallDatabase(options.databasePath);
  const live = new LiveUpdates();
  const log = options.log ?? ((): void => {});
  const calls = new CallEvents();

  // Every event: keep the call's row (from the package's session of the call) and its lead current, then tell
  // the boards. Synchronous SQLite in one transaction: a webhook is answered once its call is saved.
  calls.onAny((event, ctx) => {
    const row = database.transaction(() => {
      database.learnAgents(event);
      const lead = database.leadForCaller(event);
      if (event.uid === null || !ctx.session) return null;
      database.upsertCall(event, ctx.session, lead);
      return database.call(event.uid);
    });
    if (row) {
      live.send('call', row);
      live.send('agents', database.agents());
    }
  });

  // The screen-pop: who is calling, and what the CRM knows about them, the moment an agent picks up.
  calls.onUserAnswered((event: CallEvent, ctx) => {
    const lead = database.leadForCaller(event);
    // The session gives the answering agent in E.164 whatever format MyOperator used.
    const agent = ctx.session?.answeredBy ?? null;
    const phone = event.caller?.e164 ?? null;
    // Calls from the number and calls to it, apart: a lead is created by the first call FROM a number, which
    // agents may have called before.
    const earlier = phone === null ? { incoming: 0, outgoing: 0 } : database.earlierCalls(phone, event.uid);
    live.send('screen-pop', {
      uid: event.uid,
      caller: event.caller?.e164 ?? event.caller?.raw ?? null,
      direction: event.direction,
      agent,
      agentName: database.agentName(agent),
      answeredAt: (ctx.session?.answeredAt ?? event.receivedAt).toISOString(),
      lead,
      earlier,
    });
  });

  calls.onError((error) => {
    log(`! ${error.name} for call ${error.event.uid ?? '-'}: ${error.message}`);
  });

  const app = express();
  app.disable('x-powered-by');

  const answerWebhook = (req: Request, res: Response, next: NextFunction): void => {
    const result = res.locals.myOperator;
    const event = req.callEvent;
    if (result === undefined || event === undefined) {
      next();
      return;
    }
    database.recordWebhook(event, result.duplicate);
    live.send('stats', database.stats());
    const status = result.pending ? 202 : 200;
    log(
      `${status} ${req.method} ${event.name}${event.callState === null ? '' : ` (state ${event.callState})`} ` +
        `${event.uid ?? '-'}${result.duplicate ? ' duplicate' : ''}`,
    );
    if (result.pending) res.status(202).json({ ok: true, pending: true });
    else res.status(200).json(result.duplicate ? { ok: true, duplicate: true } : { ok: true });
  };

  // MyOperator sends GET or POST; the router answers both. `respond: 'next'` lets the app record every delivery
  // (duplicates included) before answering.
  app.use(
    '/myoperator/incall',
    myOperatorWebhook({
      auth: options.auth,
      calls,
      queryParams: options.queryParams ?? DEFAULT_QUERY_PARAMS,
      respond: 'next',
    }),
    answerWebhook,
  );

  app.get('/healthz', (_req, res) => {
    res.json({ ok: database.ping(), boards: live.size });
  });

  app.get('/events', live.handler);

  app.get('/api/calls', (req, res) => {
    const status = queryText(req.query.status);
    const since = queryText(req.query.since);
    const limit = Number(queryText(req.query.limit) ?? 100);
    if (status !== undefined && !CALL_STATUSES.includes(status as CallStatus)) {
      res.status(400).json({ error: { code: 'bad_status', message: `status: ${CALL_STATUSES.join(', ')}` } });
      return;
    }
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
      res.status(400).json({ error: { code: 'bad_limit', message: 'limit: 1 to 1000' } });
      return;
    }
    res.json({
      calls: database.calls({
        limit,
        ...(since === undefined ? {} : { since }),
        ...(status === undefined ? {} : { status: status as CallStatus }),
      }),
    });
  });

  app.get('/api/calls/:uid', (req, res) => {
    const call = database.call(req.params.uid);
    if (!call) {
      res.status(404).json({ error: { code: 'not_found', message: 'no call with this uid' } });
      return;
    }
    const webhooks = database.webhooks(call.uid).map((row) => ({
      ...row,
      duplicate: row.duplicate === 1,
      raw: JSON.parse(row.raw) as unknown,
      normalized: JSON.parse(row.normalized) as unknown,
    }));
    res.json({ call, webhooks });
  });

  app.get('/api/agents', (_req, res) => {
    res.json({ agents: database.agents() });
  });

  app.get('/api/leads', (_req, res) => {
    res.json({ leads: database.leads() });
  });

  app.get('/api/stats', (_req, res) => {
    res.json(database.stats());
  });

  app.use(express.static(join(__dirname, 'public'), { index: 'index.html', maxAge: 0 }));

  app.use((_req, res) => {
    res.status(404).json({ error: { code: 'not_found', message: 'not found' } });
  });

  // Anything that broke outside the webhook (the webhook's own errors are answered by its router).
  app.use((error: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    log(`! ${error instanceof Error ? error.name : 'error'} in the example app`);
    res.status(500).json({ error: { code: 'internal_error', message: 'something went wrong' } });
  });

  return {
    app,
    database,
    calls,
    live,
    close() {
      live.close();
      database.close();
    },
  };
}
