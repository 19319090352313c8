// createApp(): a small Express app around the pieces under test, and the JSON error responder, for supertest.

import express, { type RequestHandler } from 'express';

import { webhookErrorHandler } from '../../lib';

/** An app that runs `handlers` at `path` for any method, then answers errors as JSON. */
export function createApp(handlers: RequestHandler[], path = '/hook'): express.Express {
  const app = express();
  app.all(path, ...handlers, webhookErrorHandler());
  return app;
}
