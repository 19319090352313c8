// Helpers for the example app's specs: the app on a temporary SQLite file and a free port on 127.0.0.1 (in the
// spec's process, or as a real server process), the package's simulator CLI (the built bin) run against it, the
// Prometheus text read back, and the Chromium the browser spec drives.

import './built';

import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';

import Database from 'better-sqlite3';

import { createExampleApp, type ExampleApp, type ExampleAppOptions } from '../app';

export const BIN = join(__dirname, '..', '..', 'dist', 'cjs', 'cli', 'index.js');
export const TOKEN_HEADER = 'x-myoperator-token: spec-secret';

export interface RunningExample {
  /** `http://127.0.0.1:<port>` */
  base: string;
  /** The webhook URL. */
  webhook: string;
  example: ExampleApp;
  databasePath: string;
  /** A separate read-only connection to the app's database, as an outside observer. */
  query<T>(sql: string, ...params: unknown[]): T[];
  stop(): Promise<void>;
}

/** Starts the example app on a fresh temporary database. */
export async function startExample(options: Partial<ExampleAppOptions> = {}): Promise<RunningExample> {
  const directory = mkdtempSync(join(tmpdir(), 'myoperator-example-'));
  const databasePath = join(directory, 'calls.db');
  const example = createExampleApp({ databasePath, auth: { headers: [TOKEN_HEADER] }, ...options });
  const server: Server = example.app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let reader: Database.Database | null = null;
  return {
    base,
    webhook: `${base}/myoperator/incall`,
    example,
    databasePath,
    query<T>(sql: string, ...params: unknown[]): T[] {
      reader ??= new Database(databasePath, { readonly: true, fileMustExist: true });
      return reader.prepare(sql).all(...params) as T[];
    },
    async stop() {
      reader?.close();
      example.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** A port nothing listens on now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** Whether a port can be listened on now (nothing holds it). */
export function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

/** One JSON line the server logged. */
export type LogLine = Record<string, unknown> & { msg?: string; level?: number };

/** The example server as a real process (`example-app/server.ts` with the specs' settings), and its output. */
export interface ServerProcess {
  child: ChildProcessWithoutNullStreams;
  base: string;
  webhook: string;
  databasePath: string;
  /** Every line of its stdout and stderr so far. */
  output(): string;
  /** Its JSON log lines so far. */
  lines(): LogLine[];
  /** Resolves the first line (already logged or to come) for which `match` is true. */
  waitForLine(what: string, match: (line: LogLine) => boolean, withinMs?: number): Promise<LogLine>;
  /** Its exit code, or the signal that ended it. */
  exited: Promise<number | string>;
  /** Kills it if it still runs (SIGKILL) and removes its database. */
  cleanUp(): Promise<void>;
}

const SERVER = join(__dirname, 'fixtures', 'example-server.ts');
const EXAMPLE_SETTINGS = new Set([
  'REDIS_URL',
  'LOG_LEVEL',
  'WEB_PROCESSES',
  'WORKERS',
  'WORKER_CONCURRENCY',
  'SHUTDOWN_TIMEOUT_MS',
  'EXAMPLE_ROLE',
  'EXAMPLE_STOP_ON_STDIN_END',
  'MYOPERATOR_BASIC_USER',
  'MYOPERATOR_BASIC_PASSWORD',
  'SPEC_HANDLER_DELAY_MS',
  'SPEC_WEBHOOK_TIMEOUT_MS',
]);
const TSX = pathToFileURL(require.resolve('tsx')).href;

/** Starts the example server (node with tsx's loader) on a free port and a new database; resolves once it listens. */
export async function startServerProcess(env: Readonly<Record<string, string>> = {}): Promise<ServerProcess> {
  const port = await freePort();
  const directory = mkdtempSync(join(tmpdir(), 'myoperator-server-'));
  const databasePath = join(directory, 'calls.db');
  // The spec's environment, without the example's own settings that it may hold.
  const inherited = Object.entries(process.env).filter(([name]) => !EXAMPLE_SETTINGS.has(name));
  const childEnv: NodeJS.ProcessEnv = {
    ...Object.fromEntries(inherited),
    PORT: String(port),
    DATABASE_PATH: databasePath,
    MYOPERATOR_HEADER: TOKEN_HEADER,
    ...env,
  };
  const child = spawn(process.execPath, ['--import', TSX, SERVER], { env: childEnv, stdio: 'pipe' });
  let text = '';
  const parsed: LogLine[] = [];
  let partial = '';
  child.stdout.on('data', (chunk: Buffer) => {
    text += chunk.toString();
    partial += chunk.toString();
    const complete = partial.split('\n');
    partial = complete.pop() ?? '';
    for (const line of complete) {
      if (!line.startsWith('{')) continue;
      try {
        parsed.push(JSON.parse(line) as LogLine);
      } catch {
        // not a log line
      }
    }
  });
  child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  let gone = false;
  void exited.then(() => (gone = true));
  const running: ServerProcess = {
    child,
    base: `http://127.0.0.1:${port}`,
    webhook: `http://127.0.0.1:${port}/myoperator/incall`,
    databasePath,
    output: () => text,
    lines: () => parsed,
    async waitForLine(what, match, withinMs = 30_000) {
      const deadline = Date.now() + withinMs;
      for (;;) {
        const found = parsed.find(match);
        if (found) return found;
        if (gone || Date.now() > deadline) {
          throw new Error(`${what}: not logged within ${withinMs} ms${gone ? ' (the server exited)' : ''}:\n${text}`);
        }
        await sleep(50);
      }
    },
    exited,
    async cleanUp() {
      if (!gone) {
        child.kill('SIGKILL');
        await exited;
      }
      rmSync(directory, { recursive: true, force: true });
    },
  };
  await running.waitForLine('the server listening', (line) => String(line.msg).startsWith('MyOperator example app'));
  return running;
}

/** The samples of a Prometheus text exposition: `name{labels}` -> value (labels as written). */
export function parsePrometheus(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    samples.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return samples;
}

/** The samples of some metrics that are not 0, as an object (for one `toEqual`). */
export function nonZero(samples: ReadonlyMap<string, number>, ...names: string[]): Record<string, number> {
  const picked: Record<string, number> = {};
  for (const [series, value] of samples) {
    const name = series.includes('{') ? series.slice(0, series.indexOf('{')) : series;
    if (names.includes(name) && value !== 0) picked[series] = value;
  }
  return picked;
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the built `myoperator-webhooks` bin (asynchronously: the app keeps serving meanwhile). */
export function runCli(args: readonly string[]): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { env: { ...process.env, NO_COLOR: '1' }, timeout: 120_000 },
      (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
      },
    );
  });
}

/** One request line of `simulate --json`. */
export interface RequestLine {
  type: 'request';
  call: number;
  scenario: string;
  uid: string;
  event: string;
  status: number;
  duplicate: boolean;
}

/** The request lines of a `--json` run. */
export function requestLines(stdout: string): RequestLine[] {
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as RequestLine | { type: 'summary' })
    .filter((line): line is RequestLine => line.type === 'request');
}

/** The Chromium binaries looked for on PATH, in this order. */
const CHROMIUM_NAMES = ['chromium', 'chromium-browser', 'google-chrome'];

/**
 * The Chromium to drive: `CHROMIUM_PATH` when set, else the first of chromium, chromium-browser, google-chrome
 * found on PATH. Throws, saying what to do, when there is none.
 */
export function chromiumPath(env: NodeJS.ProcessEnv = process.env): string {
  const configured = env.CHROMIUM_PATH;
  if (configured !== undefined && configured !== '') return configured;
  for (const directory of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    for (const name of CHROMIUM_NAMES) {
      const candidate = join(directory, name);
      try {
        accessSync(candidate, constants.X_OK);
        return candidate;
      } catch {
        // not here
      }
    }
  }
  throw new Error(
    `No Chromium found: none of ${CHROMIUM_NAMES.join(', ')} is on PATH. Install one, or set CHROMIUM_PATH to ` +
      'the browser binary.',
  );
}

/** The flags Chromium runs with in the specs: headless, and nothing that reaches out to the network by itself. */
export const CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
