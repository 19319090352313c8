// Helpers for the example app's specs: the app on a temporary SQLite file and a free port on 127.0.0.1, the
// package's simulator CLI (the built bin) run against it, and the Chromium the browser spec drives.

import './built';

import { execFile } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

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
