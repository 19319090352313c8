// Helpers for the specs that run the app as real processes (fixtures/multi-process): web and worker processes on
// one redis-server, their shared run log, and deliveries sent over HTTP as MyOperator sends them.

import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

import { buildScenario, buildWebhookRequest, type WebhookRequest } from '../../lib/testing';
import { ROOT } from '../cli/helpers';
import type { RedisServer } from '../helpers/redis-server';

const FIXTURES = join(__dirname, 'fixtures', 'multi-process');

/** One line of the run log the fixtures write (fixtures/multi-process/calls.mjs). */
export interface LogLine {
  pid: number;
  at: number;
  kind: 'start' | 'run' | 'error' | 'closed';
  where?: 'web' | 'worker';
  uid?: string | null;
  name?: string | null;
  callState?: number | null;
  hang?: boolean;
  error?: string;
  code?: string | null;
  attempt?: number | null;
  attempts?: number | null;
  pending?: number;
}

/** A running fixture process. */
export interface Fixture {
  kind: 'web' | 'worker';
  child: ChildProcess;
  pid: number;
  /** The web process's origin (`http://127.0.0.1:<port>`); '' for a worker. */
  url: string;
  stderr: () => string;
}

/** One delivery of one event: the request, and what became of it. */
export interface Delivery {
  /** `uid|name|callState`, as `eventKey` makes it. */
  event: string;
  request: WebhookRequest;
  status?: number;
  body?: unknown;
  ms?: number;
  /** The pid of the web process that answered. */
  answeredBy?: number;
  failure?: string;
}

/** An event's identity in the run log and in the deliveries. */
export const eventKey = (
  uid: string | null | undefined,
  name: string | null | undefined,
  state: number | null | undefined,
): string => `${String(uid)}|${String(name)}|${state === null || state === undefined ? '' : String(state)}`;

/** The key of a log line's event. */
export const lineKey = (line: LogLine): string => eventKey(line.uid, line.name, line.callState);

/** The processes of one spec: started on its Redis with its settings, all writing one run log. */
export class Fleet {
  readonly running = new Set<Fixture>();
  readonly runLog: string;
  readonly #dir: string;

  constructor(
    readonly server: RedisServer,
    readonly queueName: string,
    readonly env: Readonly<Record<string, string>>,
  ) {
    this.#dir = mkdtempSync(join(tmpdir(), 'myoperator-fleet-'));
    this.runLog = join(this.#dir, 'runs.jsonl');
  }

  readLog(): LogLine[] {
    let text = '';
    try {
      text = readFileSync(this.runLog, 'utf8');
    } catch {
      return [];
    }
    return text
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as LogLine);
  }

  /** Starts a fixture process and resolves once it says it is ready (`LISTENING <port>` or `WORKING`). */
  async start(kind: 'web' | 'worker', env: Readonly<Record<string, string>> = {}): Promise<Fixture> {
    const child = spawn(process.execPath, ['--import', 'tsx', join(FIXTURES, `${kind}.mjs`)], {
      cwd: ROOT,
      env: {
        ...process.env,
        REDIS_URL: this.server.url,
        QUEUE_NAME: this.queueName,
        RUN_LOG: this.runLog,
        ...this.env,
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let errors = '';
    child.stderr.on('data', (chunk: Buffer) => {
      errors = (errors + chunk.toString()).slice(-4000);
    });
    const lines = createInterface({ input: child.stdout });
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`the ${kind} process was not ready within 30 s: ${errors}`));
      }, 30_000);
      lines.on('line', (line) => {
        const port = /^LISTENING (\d+)$/.exec(line)?.[1];
        if (port !== undefined || line === 'WORKING') {
          clearTimeout(timer);
          resolve(port === undefined ? '' : `http://127.0.0.1:${port}`);
        }
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`the ${kind} process exited (${String(code ?? signal)}) before it was ready: ${errors}`));
      });
    });
    const fixture: Fixture = { kind, child, pid: child.pid ?? 0, url, stderr: () => errors };
    this.running.add(fixture);
    child.once('exit', () => this.running.delete(fixture));
    return fixture;
  }

  /** Kills what still runs and removes the run log. */
  async cleanup(): Promise<void> {
    await Promise.all([...this.running].map((fixture) => stop(fixture, 'SIGKILL')));
    rmSync(this.#dir, { recursive: true, force: true });
  }
}

/** Sends the signal and resolves with how the process exited. */
export async function stop(fixture: Fixture, signal: NodeJS.Signals): Promise<[number | null, NodeJS.Signals | null]> {
  const { child } = fixture;
  if (child.exitCode !== null || child.signalCode !== null) return [child.exitCode, child.signalCode];
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  child.kill(signal);
  return exited;
}

/** A seeded shuffle (mulberry32), so that a failing order can be replayed. */
export function shuffle<T>(items: T[], seed: number): T[] {
  let state = seed >>> 0;
  const random = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  for (let index = items.length - 1; index > 0; index--) {
    const other = Math.floor(random() * (index + 1));
    [items[index], items[other]] = [items[other]!, items[index]!];
  }
  return items;
}

/** The deliveries of whole calls (`answered`: 5 events each), every event `times` times, in call order. */
export function deliveriesOf(uids: readonly string[], times: number): Delivery[] {
  const deliveries: Delivery[] = [];
  for (const [index, uid] of uids.entries()) {
    for (const step of buildScenario('answered', { uid, index }).steps) {
      const request = buildWebhookRequest(step.payload, { path: '/hook', encoding: step.encoding });
      const event = eventKey(uid, step.event, step.callState);
      for (let time = 0; time < times; time++) deliveries.push({ event, request });
    }
  }
  return deliveries;
}

/** Sends one delivery to a web process, as MyOperator would, and records the answer (or the failure). */
export async function send(delivery: Delivery, web: Fixture): Promise<void> {
  const started = performance.now();
  delete delivery.failure;
  try {
    const response = await fetch(`${web.url}${delivery.request.path}`, {
      method: delivery.request.method,
      headers: delivery.request.headers,
      body: delivery.request.body ?? null,
      signal: AbortSignal.timeout(10_000),
    });
    delivery.body = JSON.parse(await response.text()) as unknown;
    delivery.status = response.status;
    delivery.answeredBy = web.pid;
  } catch (error) {
    delivery.failure = String(error);
  }
  delivery.ms = performance.now() - started;
}
