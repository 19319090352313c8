// The three adapters of the webhook, each on a real server on 127.0.0.1, for the specs that hold them to one
// contract: the Express Router (on whichever Express this jest project loads), myOperatorNodeHandler on plain
// node:http, and myOperatorFetchHandler behind a minimal node:http -> Request/Response bridge.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';

import express from 'express';

import {
  myOperatorFetchHandler,
  myOperatorNodeHandler,
  myOperatorWebhook,
  type MyOperatorWebhookOptions,
} from '../../lib';

declare const EXPRESS_MAJOR: number;

export type AdapterName = 'express' | 'node' | 'fetch';

/** The adapters a jest project checks: all three on Express 5, the Router again on Express 4. */
export const ADAPTERS: readonly AdapterName[] =
  typeof EXPRESS_MAJOR === 'number' && EXPRESS_MAJOR === 4 ? ['express'] : ['express', 'node', 'fetch'];

/** One adapter serving the webhook at `path`. */
export interface AdapterServer {
  server: Server;
  /** `http://127.0.0.1:<port>` */
  origin: string;
  url: string;
  close(): Promise<void>;
}

/** A Fetch API handler served by node:http (what Bun, Deno and Workers do natively). */
export function fetchListener(handler: (request: Request) => Promise<Response>) {
  const respond = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const origin = `http://${req.headers.host ?? '127.0.0.1'}`;
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    }
    const method = req.method ?? 'GET';
    const body = method === 'GET' || method === 'HEAD' ? null : Readable.toWeb(req);
    const request = new Request(new URL(req.url ?? '/', origin), {
      method,
      headers,
      ...(body === null ? {} : { body, duplex: 'half' }),
    });
    const response = await handler(request);
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(Buffer.from(await response.arrayBuffer()));
  };
  return (req: IncomingMessage, res: ServerResponse): void => {
    respond(req, res).catch((error: unknown) => {
      res.destroy(error instanceof Error ? error : new Error(String(error)));
    });
  };
}

async function listenOn(server: Server, path: string): Promise<AdapterServer> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    server,
    origin,
    url: `${origin}${path}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Serves the webhook at `path` through one adapter. */
export function serveAdapter(
  adapter: AdapterName,
  path: string,
  options: MyOperatorWebhookOptions,
): Promise<AdapterServer> {
  if (adapter === 'express') {
    const app = express();
    app.use(path, myOperatorWebhook(options));
    return listenOn(createServer(app), path);
  }
  if (adapter === 'node') return listenOn(createServer(myOperatorNodeHandler({ ...options, path })), path);
  return listenOn(createServer(fetchListener(myOperatorFetchHandler({ ...options, path }))), path);
}
