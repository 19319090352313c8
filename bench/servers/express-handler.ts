// (hand) The Express handler a user would write without this package: express.urlencoded(), a check of the secret
// header, JSON.parse of the `myoperator` field, a switch on `call_state` to their own functions, res.json().

// First: it decides which Express `require('express')` gives (BENCH_EXPRESS).
import { expressVersion } from './express-version';

import { createServer } from 'node:http';

import express, { type Request, type Response } from 'express';

import { AUTH_HEADER_NAME, AUTH_HEADER_VALUE, WEBHOOK_PATH } from '../common';
import { serve } from './lifecycle';

type CallLog = Record<string, unknown>;

// The user's own code, one function per kind of webhook (no-ops here, like the chain's handlers).
const onIncoming = (log: CallLog): unknown => log;
const onDialing = (log: CallLog): unknown => log;
const onAnswered = (log: CallLog): unknown => log;
const onHangup = (log: CallLog): unknown => log;
const onOutgoing = (log: CallLog): unknown => log;
const onNotAnswered = (log: CallLog): unknown => log;
const onCallSummary = (log: CallLog): unknown => log;

const app = express();
app.post(WEBHOOK_PATH, express.urlencoded({ extended: false }), (req: Request, res: Response) => {
  if (req.get(AUTH_HEADER_NAME) !== AUTH_HEADER_VALUE) {
    res.status(401).json({ error: 'unauthorized' });
    return;
  }
  const field = (req.body as Record<string, unknown> | undefined)?.myoperator;
  let log: CallLog;
  try {
    log = JSON.parse(typeof field === 'string' ? field : '') as CallLog;
  } catch {
    res.status(400).json({ error: 'invalid call log' });
    return;
  }
  switch (log.call_state) {
    case '1':
      onIncoming(log);
      break;
    case '5':
      onDialing(log);
      break;
    case '6':
      onAnswered(log);
      break;
    case '2':
      onHangup(log);
      break;
    case '3':
    case '4':
      onOutgoing(log);
      break;
    case '7':
    case '9':
      onNotAnswered(log);
      break;
    default:
      // The after-call log has no call_state.
      onCallSummary(log);
  }
  res.json({ ok: true });
});

serve(createServer(app), expressVersion());
