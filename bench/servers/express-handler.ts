// Variant (b): the Express handler a user would write without this package: express.urlencoded(), a check of
// the secret header, JSON.parse of the `myoperator` field, a call to their own function, res.json().

import { createServer } from 'node:http';

import express, { type Request, type Response } from 'express';

import { AUTH_HEADER_NAME, AUTH_HEADER_VALUE, WEBHOOK_PATH } from '../common';
import { serve } from './lifecycle';

function onCallLog(log: unknown): unknown {
  return log;
}

const app = express();
app.post(WEBHOOK_PATH, express.urlencoded({ extended: false }), (req: Request, res: Response) => {
  if (req.get(AUTH_HEADER_NAME) !== AUTH_HEADER_VALUE) {
    res.status(401).json({ error: 'unauthorized' });
    return;
  }
  const field = (req.body as Record<string, unknown> | undefined)?.myoperator;
  let log: unknown;
  try {
    log = JSON.parse(typeof field === 'string' ? field : '');
  } catch {
    res.status(400).json({ error: 'invalid call log' });
    return;
  }
  onCallLog(log);
  res.json({ ok: true });
});

serve(createServer(app));
