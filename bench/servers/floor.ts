// (floor) What a user could write on bare node:http with the package's normaliser and nothing else: reads the form
// body (with a limit), checks the secret header, takes the `myoperator` field, JSON.parse, validates and
// normalises with the built package's `normalizePayload`, answers {"ok":true}. No de-duplication, no sessions.

import { createServer } from 'node:http';
import { parse } from 'node:querystring';

import { AUTH_HEADER_NAME, AUTH_HEADER_VALUE, BODY_LIMIT_BYTES, loadPackage, WEBHOOK_PATH } from '../common';
import { serve } from './lifecycle';

const { normalizePayload } = loadPackage();

const JSON_TYPE = 'application/json; charset=utf-8';
const ANSWERS = {
  200: Buffer.from('{"ok":true}'),
  400: Buffer.from('{"error":"invalid_call_log"}'),
  401: Buffer.from('{"error":"unauthorized"}'),
  404: Buffer.from('{"error":"not_found"}'),
  413: Buffer.from('{"error":"payload_too_large"}'),
} as const;

function onCallEvent(event: unknown): unknown {
  return event;
}

const server = createServer((req, res) => {
  const answer = (status: keyof typeof ANSWERS): void => {
    if (res.headersSent) return;
    const body = ANSWERS[status];
    res.writeHead(status, { 'Content-Type': JSON_TYPE, 'Content-Length': body.length });
    res.end(body);
  };
  if (req.method !== 'POST' || req.url !== WEBHOOK_PATH) {
    answer(404);
    req.resume();
    return;
  }
  if (req.headers[AUTH_HEADER_NAME] !== AUTH_HEADER_VALUE) {
    answer(401);
    req.resume();
    return;
  }
  const chunks: Buffer[] = [];
  let length = 0;
  req.on('data', (chunk: Buffer) => {
    length += chunk.length;
    if (length > BODY_LIMIT_BYTES) {
      answer(413);
      req.destroy();
      return;
    }
    chunks.push(chunk);
  });
  req.on('end', () => {
    try {
      const field = parse(Buffer.concat(chunks, length).toString('utf8')).myoperator;
      if (typeof field !== 'string') throw new Error('no call log');
      onCallEvent(normalizePayload(JSON.parse(field)));
    } catch {
      answer(400);
      return;
    }
    answer(200);
  });
});

serve(server);
