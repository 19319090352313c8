// The load side of the load specs: webhook servers in child processes (spec/reliability/fixtures/webhook-server.ts),
// and a client that sends many call events, each delivered several times, with bounded concurrency and keep-alive.

import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { Agent, request } from 'node:http';
import { join } from 'node:path';

import { buildInCallLog, buildWebhookRequest } from '../../../lib/testing';
import type { ServerRequest, ServerStats } from '../fixtures/webhook-server';

const SERVER_SCRIPT = join(__dirname, '..', 'fixtures', 'webhook-server.ts');
const ROOT = join(__dirname, '..', '..', '..');

export interface WebhookProcess {
  port: number;
  child: ChildProcess;
  stats(): Promise<ServerStats>;
  clearStore(): Promise<void>;
  stop(): Promise<void>;
}

function waitFor<T>(child: ChildProcess, type: string, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.off('message', onMessage);
      reject(new Error(`no "${type}" from the server in ${timeoutMs} ms`));
    }, timeoutMs);
    const onMessage = (message: { type?: string }): void => {
      if (message.type !== type) return;
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve(message as T);
    };
    child.on('message', onMessage);
  });
}

/** Starts a webhook server process and waits until it listens. */
export async function startWebhookProcess(env: Record<string, string> = {}): Promise<WebhookProcess> {
  const child = fork(SERVER_SCRIPT, [], {
    cwd: ROOT,
    execArgv: ['--expose-gc', '--import', 'tsx'],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const { port } = await waitFor<{ port: number }>(child, 'ready', 30_000);
  const ask = <T>(message: ServerRequest, answer: string): Promise<T> => {
    child.send(message);
    return waitFor<T>(child, answer, 30_000);
  };
  return {
    port,
    child,
    stats: () => ask<ServerStats>({ type: 'stats' }, 'stats'),
    clearStore: async () => {
      await ask({ type: 'clear-store' }, 'cleared');
    },
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.send({ type: 'stop' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export interface Delivery {
  /** The event's key as the server counts it. */
  key: string;
  body: string;
  headers: Record<string, string>;
}

/** `events` call events (a few states per call), each delivered 2 or 3 times, shuffled. */
export function deliveries(events: number, runId: string): { list: Delivery[]; distinct: Set<string> } {
  const states = ['1', '5', '6', '2'] as const;
  const list: Delivery[] = [];
  const distinct = new Set<string>();
  const names: Record<string, string> = {
    '1': 'incoming_call',
    '5': 'dialing_users',
    '6': 'user_answered',
    '2': 'call_finished',
  };
  for (let index = 0; index < events; index++) {
    const state = states[index % states.length] as (typeof states)[number];
    const uid = `${runId}.${Math.floor(index / states.length)}`;
    const built = buildWebhookRequest(buildInCallLog({ call_state: state, uid }), {
      encoding: index % 2 === 0 ? 'form' : 'json',
      headers: ['x-token: load-test-token'],
    });
    const key = `${uid}:${names[state] ?? 'unknown'}:${state}`;
    distinct.add(key);
    const copies = 2 + (index % 2);
    for (let copy = 0; copy < copies; copy++) list.push({ key, body: built.body ?? '', headers: built.headers });
  }
  // A deterministic shuffle (xorshift), so copies of one event arrive apart, together, in any order.
  let seed = 0x9e3779b9;
  for (let i = list.length - 1; i > 0; i--) {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    const j = Math.abs(seed) % (i + 1);
    [list[i], list[j]] = [list[j] as Delivery, list[i] as Delivery];
  }
  return { list, distinct };
}

export interface Outcome {
  key: string;
  status: number;
  duplicate: boolean;
  /** Milliseconds from sending to the whole answer. */
  ms: number;
  /** A transport error (connection refused, reset), or null. */
  error: string | null;
}

/** POSTs one delivery to 127.0.0.1:port/hook. */
function post(agent: Agent, port: number, delivery: Delivery, timeoutMs: number): Promise<Outcome> {
  const started = Date.now();
  return new Promise((resolve) => {
    const req = request(
      {
        agent,
        host: '127.0.0.1',
        port,
        path: '/hook',
        method: 'POST',
        headers: { ...delivery.headers, 'content-length': Buffer.byteLength(delivery.body) },
        timeout: timeoutMs,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => {
          resolve({
            key: delivery.key,
            status: res.statusCode ?? 0,
            duplicate: text.includes('"duplicate":true'),
            ms: Date.now() - started,
            error: null,
          });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer in ${timeoutMs} ms`)));
    req.on('error', (error) => {
      resolve({ key: delivery.key, status: 0, duplicate: false, ms: Date.now() - started, error: error.message });
    });
    req.end(delivery.body);
  });
}

/**
 * Sends every delivery with at most `concurrency` in flight, each to one of `ports` (round robin by position),
 * and resolves with every outcome. Bounded in count (the list) and time (`timeoutMs` per request).
 */
export async function sendAll(
  list: readonly Delivery[],
  ports: readonly number[],
  concurrency: number,
  timeoutMs = 10_000,
): Promise<Outcome[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const outcomes: Outcome[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < list.length) {
      const index = next++;
      const port = ports[index % ports.length] as number;
      outcomes.push(await post(agent, port, list[index] as Delivery, timeoutMs));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  agent.destroy();
  return outcomes;
}
