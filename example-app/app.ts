// The example app: MyOperator's webhook (myOperatorWebhook) saved to SQLite, a live call board over Server-Sent
// Events with a screen-pop when an agent answers and a health strip, the JSON APIs the board reads, and the
// Prometheus metrics at /metrics. Uses only the public package.

import { join } from 'node:path';

import express, { type NextFunction, type Request, type Response } from 'express';
import {
  CallEvents,
  myOperatorWebhook,
  type AuthenticateOptions,
  type CallEvent,
  type CallEventContext,
  type CallQueue,
  type CallStore,
  type QueryParamMapping,
  type ReceiveResult,
} from 'myoperator-webhooks';
import pino, { type Logger } from 'pino';
import { AggregatorRegistry, Registry } from 'prom-client';

import { CallDatabase, type CallStatus } from './database';
import { handleCalls } from './handlers';
import { HealthMonitor, healthTotals, type HealthTotals } from './health';
import { LiveUpdates, type BoardUpdates } from './live';

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
  /**
   * A pino logger: `CallEvents` logs through it (`debug` per event, `warn` store and queue trouble, `error`
   * failures), and the app writes one `info` line per webhook answered.
   * @default silent
   */
  logger?: Logger;
  /** The prom-client registry the package's metrics go to. @default a new Registry */
  metrics?: Registry;
  /** Durable delivery (the multi-process mode): where claims and sessions live. @default in memory */
  store?: CallStore;
  /** Durable delivery: the queue the events go to; their handlers then run in `calls.work()` (the workers). */
  queue?: CallQueue;
  /** Where the handlers' and the webhook's news for the boards goes. @default this app's `live` */
  updates?: BoardUpdates;
  /**
   * The metrics of every process, each as its registry's `getMetricsAsJSON()`, for /metrics (aggregated).
   * @default this app's registry alone
   */
  collectMetrics?: () => Promise<object[][]>;
  /** The health strip's totals, summed over every process. @default from this app's registry */
  collectHealth?: () => Promise<HealthTotals>;
  /** Answer 202 when the handlers still run after this long (the webhook's `timeoutMs`). @default 4000 */
  webhookTimeoutMs?: number;
  /** Each handler waits this long before saving: for the specs only. @default 0 */
  handlerDelayMs?: number;
}

/** The app and what it is made of, for the server and the specs. */
export interface ExampleApp {
  app: express.Express;
  database: CallDatabase;
  calls: CallEvents;
  live: LiveUpdates;
  /** Where the package's metrics are registered. */
  metrics: Registry;
  health: HealthMonitor;
  /** Ends the board streams and the health sampling, and closes the database (after `calls.close()`). */
  close(): void;
}

const CALL_STATUSES: readonly CallStatus[] = ['ringing', 'in_conversation', 'finished'];

function queryText(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * `CallEvents` that tells the app of every delivery it answers (duplicates included) once it was taken, so that
 * the app keeps a row per webhook while the package's router answers MyOperator (and counts the answer in
 * `responses_total`). With a queue, `receive()` resolves once the event is stored in Redis.
 */
class RecordingCallEvents extends CallEvents {
  readonly #onReceived: (event: CallEvent, result: ReceiveResult, ctx: CallEventContext) => void;

  constructor(
    options: ConstructorParameters<typeof CallEvents>[0],
    onReceived: (event: CallEvent, result: ReceiveResult, ctx: CallEventContext) => void,
  ) {
    super(options);
    this.#onReceived = onReceived;
  }

  override receive(event: CallEvent, ctx: CallEventContext = {}): Promise<ReceiveResult> {
    return super.receive(event, ctx).then((result) => {
      this.#onReceived(event, result, ctx);
      return result;
    });
  }
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
  const updates = options.updates ?? live;
  const logger = options.logger ?? pino({ level: 'silent' });
  const registry = options.metrics ?? new Registry();
  /** Whether each request's event was a duplicate, for its log line. */
  const duplicates = new WeakMap<object, boolean>();

  const calls = new RecordingCallEvents(
    {
      logger,
      metrics: registry,
      ...(options.store ? { store: options.store } : {}),
      ...(options.queue ? { queue: options.queue } : {}),
    },
    (event, result, ctx) => {
      if (ctx.req !== undefined) duplicates.set(ctx.req, result.duplicate);
      try {
        database.recordWebhook(event, result.duplicate);
        updates.send('stats', database.stats());
      } catch (error) {
        // The event was taken (handled or queued): a lost row of the webhook log is not worth a redelivery.
        logger.error({ err: error instanceof Error ? error.name : 'error' }, 'could not record the webhook');
      }
    },
  );
  // With a queue the handlers run in the workers; they are registered here too, for the events the queue cannot
  // take (Redis down at receipt: they run in this process, as without a queue).
  handleCalls(calls, database, updates, { handlerDelayMs: options.handlerDelayMs ?? 0 });

  const collectHealth =
    options.collectHealth ?? (async (): Promise<HealthTotals> => healthTotals(await registry.getMetricsAsJSON()));
  const health = new HealthMonitor({ read: collectHealth, onChange: (now) => live.send('health', now) });

  const app = express();
  app.disable('x-powered-by');

  // One line per webhook answered (refused ones too): status, event, uid, whether it was a redelivery, time taken.
  // Never the caller's number nor the credentials.
  const logWebhook = (req: Request, res: Response, next: NextFunction): void => {
    const started = performance.now();
    res.once('finish', () => {
      const event = req.callEvent;
      logger.info(
        {
          status: res.statusCode,
          method: req.method,
          event: event?.name ?? null,
          callState: event?.callState ?? null,
          uid: typeof event?.uid === 'string' ? event.uid.slice(0, 100) : null,
          duplicate: duplicates.get(req) ?? false,
          ms: Math.round((performance.now() - started) * 10) / 10,
        },
        'webhook answered',
      );
    });
    next();
  };

  // MyOperator sends GET or POST; the router answers both, and counts every answer in the metrics.
  app.use(
    '/myoperator/incall',
    logWebhook,
    myOperatorWebhook({
      auth: options.auth,
      calls,
      queryParams: options.queryParams ?? DEFAULT_QUERY_PARAMS,
      ...(options.webhookTimeoutMs === undefined ? {} : { timeoutMs: options.webhookTimeoutMs }),
    }),
  );

  app.get('/healthz', (_req, res) => {
    res.json({ ok: database.ping(), boards: live.size });
  });

  // Prometheus: the package's myoperator_webhook_* metrics (and, from the server, the process's own).
  app.get('/metrics', async (_req, res) => {
    const source = options.collectMetrics
      ? AggregatorRegistry.aggregate((await options.collectMetrics()).filter((list) => list.length > 0))
      : registry;
    res.type(source.contentType).send(await source.metrics());
  });

  app.get('/api/health', async (_req, res) => {
    res.json(await health.read());
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
    logger.error({ err: error instanceof Error ? error.name : 'error' }, 'the example app failed a request');
    res.status(500).json({ error: { code: 'internal_error', message: 'something went wrong' } });
  });

  return {
    app,
    database,
    calls,
    live,
    metrics: registry,
    health,
    close() {
      health.stop();
      live.close();
      database.close();
    },
  };
}
