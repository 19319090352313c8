// The apps the reliability specs drive: the all-in-one router with handlers that check every event they get,
// count their runs, and fail on demand, and a logger that keeps what it was given.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { lineLogger } from '../../helpers/reports';
import express from 'express';

import {
  CallEvents,
  myOperatorWebhook,
  type CallEvent,
  type CallEventsOptions,
  type MyOperatorWebhookOptions,
} from '../../../lib';
import { callEventProblems } from './call-event-checker';

export const SECRET_HEADER = { header: 'x-myoperator-token', value: 'h3ader-s3cret-VALUE' } as const;
export const SECRET_BASIC = { username: 'admin', password: 'b4sic-s3cret-PASSWORD' } as const;
export const HANDLER_ERROR_TEXT = 'HANDLER-PRIVATE-TEXT: database password is hunter2';

/** The panel mapping the specs' apps use. */
export const PANEL_MAPPING = {
  caller_number: 'callerNumber',
  state: 'Call state',
  uid: 'uid',
  created: 'createdAt',
  event: 'direction',
  status: 'status',
  agent: "User's phone number",
} as const;

export interface WebhookAppOptions {
  auth?: MyOperatorWebhookOptions['auth'];
  /** Whether handlers throw (`'sync'`), reject (`'async'`), or succeed. */
  fail?: 'sync' | 'async' | false;
  limit?: string;
  calls?: CallEventsOptions;
  middleware?: Pick<MyOperatorWebhookOptions, 'respond' | 'timeoutMs' | 'onHandlerError'>;
  /** Runs in every handler before it settles (for faults). */
  handler?: (event: CallEvent) => unknown;
}

export interface WebhookApp {
  app: express.Express;
  calls: CallEvents;
  /** Every handler run: the event's key (uid:name:callState). */
  runs: string[];
  /** Problems found in events handed to handlers (must stay empty). */
  problems: string[];
  /** What the package logged. */
  logs: string[];
  /** What onError handlers received. */
  errors: unknown[];
}

export function createWebhookApp(options: WebhookAppOptions = {}): WebhookApp {
  const logs: string[] = [];
  const calls = new CallEvents({ logger: lineLogger(logs), ...options.calls });
  const runs: string[] = [];
  const problems: string[] = [];
  const errors: unknown[] = [];
  calls.onAny(async (event) => {
    runs.push(`${String(event.uid)}:${event.name}:${String(event.callState)}`);
    const found = callEventProblems(event);
    if (found.length > 0) problems.push(found.join('; '));
    if (options.handler) await options.handler(event);
    if (options.fail === 'sync') throw new Error(HANDLER_ERROR_TEXT);
    if (options.fail === 'async') await Promise.reject(new Error(HANDLER_ERROR_TEXT));
  });
  const app = express();
  app.use(
    '/hook',
    myOperatorWebhook({
      auth: options.auth ?? false,
      calls,
      queryParams: PANEL_MAPPING,
      limit: options.limit ?? '8kb',
      ...options.middleware,
    }),
  );
  return { app, calls, runs, problems, logs, errors };
}

/** Listens on a free 127.0.0.1 port. */
export async function listen(
  app: express.Express,
): Promise<{ server: Server; port: number; close: () => Promise<void> }> {
  const server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
