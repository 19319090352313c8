// A raw HTTP/1.1 client on a net socket, for what well-behaved clients never do: stop half-way through a body,
// trickle bytes, pipeline requests, or hang up before the answer.

import { connect, type Socket } from 'node:net';

export interface RawStep {
  /** Bytes to write. */
  data: string | Buffer;
  /** Wait this long before writing them. */
  delayMs?: number;
}

export interface RawOptions {
  /** What to do after the last step: wait for the answer, destroy the socket, or half-close and wait. */
  after?: 'wait' | 'destroy' | 'half-close';
  /** Give up waiting after this long (resolves with what arrived). */
  timeoutMs?: number;
  /** How many answers to wait for (pipelining). */
  answers?: number;
}

export interface RawAnswer {
  /** The status of each answer received, in order. */
  statuses: number[];
  /** Everything received. */
  text: string;
  /** Whether the wait timed out. */
  timedOut: boolean;
}

const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => {
    setTimeout(resolve, ms);
  });

function statusesOf(text: string): number[] {
  return [...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((match) => Number(match[1]));
}

/** Whether `text` holds `count` complete answers (each with a Content-Length body). */
function complete(text: string, count: number): boolean {
  let offset = 0;
  for (let seen = 0; seen < count; seen++) {
    const head = text.indexOf('\r\n\r\n', offset);
    if (head < 0) return false;
    const length = /content-length: (\d+)/i.exec(text.slice(offset, head));
    offset = head + 4 + Number(length?.[1] ?? 0);
    if (offset > text.length) return false;
  }
  return true;
}

/** Plays the steps on a new connection to 127.0.0.1:port and collects what comes back. */
export function rawExchange(port: number, steps: readonly RawStep[], options: RawOptions = {}): Promise<RawAnswer> {
  const after = options.after ?? 'wait';
  const answers = options.answers ?? 1;
  return new Promise((resolve) => {
    const socket: Socket = connect(port, '127.0.0.1');
    let text = '';
    let settled = false;
    const finish = (timedOut: boolean): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ statuses: statusesOf(text), text, timedOut });
    };
    const timer = setTimeout(() => finish(true), options.timeoutMs ?? 5000);
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
      if (complete(text, answers)) finish(false);
    });
    socket.on('error', () => finish(false));
    socket.on('close', () => finish(false));
    socket.once('connect', () => {
      void (async () => {
        for (const step of steps) {
          if (step.delayMs !== undefined) await sleep(step.delayMs);
          if (socket.destroyed) return;
          socket.write(step.data);
        }
        if (after === 'destroy') finish(false);
        else if (after === 'half-close') socket.end();
      })();
    });
  });
}

/** The head of a POST to /hook with the given headers (a Content-Length or a Transfer-Encoding among them). */
export function postHead(headers: Record<string, string | number>, path = '/hook'): string {
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}`);
  return `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${lines.join('\r\n')}\r\n\r\n`;
}

/** `text` cut into `size`-byte steps, each after `delayMs`. */
export function trickle(text: string | Buffer, size: number, delayMs: number): RawStep[] {
  const bytes = Buffer.isBuffer(text) ? text : Buffer.from(text);
  const steps: RawStep[] = [];
  for (let offset = 0; offset < bytes.length; offset += size) {
    steps.push({ data: bytes.subarray(offset, offset + size), delayMs });
  }
  return steps;
}
