// createApp(): a small Express app around the pieces under test, and the JSON error responder, for supertest.
// listen(): the same app on a real server at 127.0.0.1, for clients that are not supertest (curl, fetch).

import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';

import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';

import { webhookErrorHandler, type CallEvent } from '../../lib';

/** An app that runs `handlers` at `path` for any method, then answers errors as JSON. */
export function createApp(handlers: RequestHandler[], path = '/hook'): express.Express {
  const app = express();
  app.all(path, ...handlers, webhookErrorHandler());
  return app;
}

/** A server listening on 127.0.0.1 at a free port. */
export interface RunningServer {
  /** `http://127.0.0.1:<port>` (no trailing slash). */
  origin: string;
  close(): Promise<void>;
}

/** Serves `app` on 127.0.0.1:0; `close()` ends open connections too, so a test never waits on keep-alive. */
export async function listen(app: RequestListener): Promise<RunningServer> {
  const server = createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => {
          if (error) reject(error);
          else resolve();
        });
        server.closeAllConnections();
      }),
  };
}

/** A terminal middleware that keeps the `req.callEvent` it sees (or `null`) and answers 200 `{"reached":true}`. */
export interface EventCapture {
  handler: RequestHandler;
  /** One entry per request that reached the handler. */
  events: Array<CallEvent | null>;
  /** The request bodies as the handler saw them. */
  bodies: unknown[];
}

export function captureEvents(): EventCapture {
  const events: Array<CallEvent | null> = [];
  const bodies: unknown[] = [];
  const handler = (req: Request, res: Response): void => {
    events.push(req.callEvent ?? null);
    bodies.push(req.body);
    res.status(200).json({ reached: true });
  };
  return { handler, events, bodies };
}

/** A middleware that records every error it is passed, then passes it on. */
export function recordErrors(): {
  handler: (error: unknown, req: Request, res: Response, next: NextFunction) => void;
  errors: unknown[];
} {
  const errors: unknown[] = [];
  return {
    errors,
    handler: (error, _req, _res, next) => {
      errors.push(error);
      next(error);
    },
  };
}

/** A promise with its resolve function outside, for holding a handler until a test lets it go. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

/** Waits until `check()` is true (polling every few milliseconds), failing after `ms`. */
export async function waitFor(check: () => boolean, ms = 2000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
