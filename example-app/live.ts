// Server-Sent Events for the call board (`GET /events`): every open board gets each call update, screen-pop and
// stats change as it happens, with a heartbeat so proxies keep the stream open.

import type { Request, Response } from 'express';

const HEARTBEAT_MS = 15_000;

/**
 * Where the app's news for the boards goes (`call`, `agents`, `stats`, `screen-pop`, `health`): the streams of
 * this process, or, with several processes, every web process's streams.
 */
export interface BoardUpdates {
  send(event: string, data: unknown): void;
}

/** The open event streams, and one way to write to all of them. */
export class LiveUpdates implements BoardUpdates {
  readonly #clients = new Set<Response>();
  readonly #heartbeat: NodeJS.Timeout;

  constructor() {
    this.#heartbeat = setInterval(() => {
      for (const res of this.#clients) res.write(': heartbeat\n\n');
    }, HEARTBEAT_MS);
    this.#heartbeat.unref();
  }

  /** How many boards are listening. */
  get size(): number {
    return this.#clients.size;
  }

  /** The `GET /events` handler: keeps the response open as an event stream. */
  readonly handler = (req: Request, res: Response): void => {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    // Reconnect quickly after a restart of the app.
    res.write('retry: 2000\n\n');
    res.write(`event: hello\ndata: ${JSON.stringify({ at: new Date().toISOString() })}\n\n`);
    this.#clients.add(res);
    req.on('close', () => this.#clients.delete(res));
  };

  /** Sends one named event with a JSON body to every board. */
  send(event: string, data: unknown): void {
    const message = `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
    for (const res of this.#clients) res.write(message);
  }

  /** Ends every stream (so that the server can close). */
  close(): void {
    clearInterval(this.#heartbeat);
    for (const res of this.#clients) res.end();
    this.#clients.clear();
  }
}
