// A minimal node:http -> Fetch API bridge, as a server that hosts a `(request: Request) => Promise<Response>`
// handler on Node does it: the body read into memory (bounded), a Request with the raw headers, the Response's
// status, headers and body written back.

import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';

import { BODY_LIMIT_BYTES } from '../common';

export type FetchHandler = (request: Request) => Promise<Response>;

/** The bridge reads at most this much (more than any handler's limit, so that the handler's own limit decides). */
const BRIDGE_LIMIT_BYTES = 10 * BODY_LIMIT_BYTES;

function toRequest(req: IncomingMessage, body: Buffer | null): Request {
  const headers = new Headers();
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) headers.append(raw[i]!, raw[i + 1]!);
  return new Request(`http://${req.headers.host ?? '127.0.0.1'}${req.url ?? '/'}`, {
    method: req.method ?? 'GET',
    headers,
    body,
  });
}

async function writeResponse(response: Response, res: ServerResponse): Promise<void> {
  const body = Buffer.from(await response.arrayBuffer());
  const headers: string[] = [];
  response.headers.forEach((value, name) => headers.push(name, value));
  if (!response.headers.has('content-length')) headers.push('content-length', String(body.length));
  res.writeHead(response.status, headers);
  res.end(body);
}

/** A node:http request listener that runs a Fetch API handler. */
export function fetchBridge(handler: FetchHandler): RequestListener {
  return (req, res) => {
    const fail = (status: number): void => {
      if (res.headersSent) return;
      res.writeHead(status, { 'Content-Length': 0 });
      res.end();
    };
    const chunks: Buffer[] = [];
    let length = 0;
    req.on('data', (chunk: Buffer) => {
      length += chunk.length;
      if (length > BRIDGE_LIMIT_BYTES) {
        fail(413);
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
      handler(toRequest(req, hasBody ? Buffer.concat(chunks, length) : null))
        .then((response) => writeResponse(response, res))
        .catch(() => fail(500));
    });
  };
}
