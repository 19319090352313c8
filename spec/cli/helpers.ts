// Helpers for the CLI specs: run the BUILT bin (as users run it) in a child process, and a real webhook server on
// 127.0.0.1 that records every request and event it receives.

import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

import express from 'express';

import { CallEvents, myOperatorWebhook, type CallEvent, type MyOperatorWebhookOptions } from '../../lib';

export const ROOT = join(__dirname, '..', '..');
export const BIN = join(ROOT, 'dist', 'cjs', 'cli', 'index.js');

/** Fails with a clear message when the package has not been built (`npm test` builds before jest). */
export function assertBuilt(): void {
  if (!existsSync(BIN) || !existsSync(join(ROOT, 'dist', 'cjs', 'testing', 'index.js'))) {
    throw new Error(`The CLI specs run the built bin, and ${BIN} is missing: run "npm run build" first.`);
  }
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `myoperator-webhooks <args>` (the built bin) without blocking this process's servers. */
export function runCli(args: readonly string[], input?: string): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [BIN, ...args],
      { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' }, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    if (input !== undefined) child.stdin?.end(input);
  });
}

const shellQuote = (text: string): string => `'${text.replace(/'/g, `'\\''`)}'`;

/** What a run on a terminal printed: stdout and stderr as the terminal showed them, in order. */
export interface TerminalResult {
  code: number;
  output: string;
}

/**
 * Runs the built bin on a pseudo-terminal (util-linux `script`), so that stdout and stderr are TTYs as in a
 * person's shell.
 */
export function runCliInTerminal(args: readonly string[]): Promise<TerminalResult> {
  const command = [process.execPath, BIN, ...args].map(shellQuote).join(' ');
  return new Promise((resolve) => {
    execFile(
      'script',
      ['-qefc', command, '/dev/null'],
      { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' }, timeout: 60_000 },
      (error, stdout) => {
        if (error?.code === 'ENOENT') {
          throw new Error('The terminal specs need `script` (util-linux, in bsdutils on Debian) on PATH.');
        }
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, output: stdout });
      },
    );
  });
}

/** A receiver that answers `{"ok":true}` (after `delayMs`) to its first `answers` requests, then goes away. */
export async function startDyingServer(
  answers: number,
  delayMs = 0,
): Promise<{ url: string; answered(): number; close(): Promise<void> }> {
  let answered = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.once('end', () => {
      setTimeout(() => {
        if (res.destroyed) return;
        answered++;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"ok":true}', () => {
          if (answered >= answers) {
            server.close();
            server.closeAllConnections();
          }
        });
      }, delayMs);
    });
  });
  server.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    answered: () => answered,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The JSON lines of a `--json` run. */
export function jsonLines(stdout: string): Array<Record<string, unknown>> {
  return stdout
    .split('\n')
    .filter((line) => line.trim().startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** What the test server saw. */
export interface SeenRequest {
  method: string;
  url: string;
  contentType: string | undefined;
  status: number;
}

export interface TestServer {
  url: string;
  /** Events the handlers ran for (duplicates are not in it). */
  events: CallEvent[];
  requests: SeenRequest[];
  close(): Promise<void>;
}

/** A real webhook server (`myOperatorWebhook`) on 127.0.0.1 with a free port, answering at /hook. */
export async function startServer(
  options: Partial<Omit<MyOperatorWebhookOptions, 'calls'>> & { failEvents?: boolean } = {},
): Promise<TestServer> {
  const { failEvents = false, ...webhookOptions } = options;
  const calls = new CallEvents({ logger: false });
  const events: CallEvent[] = [];
  const requests: SeenRequest[] = [];
  calls.onAny((event) => {
    events.push(event);
    if (failEvents) throw new Error('the handler failed');
  });
  const app = express();
  app.use((req, res, next) => {
    res.on('finish', () => {
      requests.push({
        method: req.method,
        url: req.originalUrl,
        contentType: req.get('content-type'),
        status: res.statusCode,
      });
    });
    next();
  });
  app.use('/hook', myOperatorWebhook({ auth: false, ...webhookOptions, calls }));
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    events,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
