// Variant (a), the floor: a bare node:http server that reads the form body, JSON.parses the `myoperator` field
// and answers {"ok":true}. No framework, no auth, no validation: nothing can cost less and still read the log.

import { createServer } from 'node:http';
import { parse } from 'node:querystring';

import { WEBHOOK_PATH } from '../common';
import { serve } from './lifecycle';

const OK = Buffer.from('{"ok":true}');
const BAD = Buffer.from('{"error":"bad request"}');

function onCallLog(log: unknown): unknown {
  return log;
}

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    let status = 200;
    try {
      if (req.method !== 'POST' || req.url !== WEBHOOK_PATH) throw new Error('not the webhook');
      const field = parse(Buffer.concat(chunks).toString('utf8')).myoperator;
      if (typeof field !== 'string') throw new Error('no call log');
      onCallLog(JSON.parse(field));
    } catch {
      status = 400;
    }
    const body = status === 200 ? OK : BAD;
    res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': body.length });
    res.end(body);
  });
});

serve(server);
