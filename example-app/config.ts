// The example app's settings from the environment, with defaults that make `npm run example` work as it is:
// PORT (3000), DATABASE_PATH, MYOPERATOR_HEADER ("my-super-secret-token: abc123def"), MYOPERATOR_BASIC_USER/_PASSWORD,
// LOG_LEVEL (info), SHUTDOWN_TIMEOUT_MS; REDIS_URL turns on the multi-process mode (WEB_PROCESSES, WORKERS).

import { join } from 'node:path';

import type { AuthenticateOptions } from 'myoperator-webhooks';

/** The header the example expects unless MYOPERATOR_HEADER says otherwise (the panel's "Name: value" form). */
export const DEFAULT_HEADER = 'my-super-secret-token: abc123def';

/** Where the example keeps its SQLite database unless DATABASE_PATH says otherwise. */
export const DEFAULT_DATABASE_PATH = join(__dirname, 'data', 'calls.db');

export const DEFAULT_PORT = 3000;

/** The levels LOG_LEVEL takes (pino's). */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevelName = (typeof LOG_LEVELS)[number];

/** The BullMQ queue the web and worker processes share in the multi-process mode. */
export const QUEUE_NAME = 'example-calls';

/** The multi-process mode: web and worker processes on one Redis. */
export interface MultiProcessConfig {
  /** `redis://...`, as given. */
  redisUrl: string;
  /** How many processes serve HTTP (the webhook and the board), on the one port. */
  webProcesses: number;
  /** How many processes run the handlers (`calls.work()`). */
  workers: number;
  /** Jobs each worker runs at once. */
  concurrency: number;
}

/** The server's settings. */
export interface ExampleConfig {
  port: number;
  databasePath: string;
  auth: AuthenticateOptions | false;
  /** pino's level: `info` shows one line per webhook, `debug` adds the package's line per event. */
  logLevel: LogLevelName;
  /** How long a stop waits for the handlers in flight (`calls.close({ timeoutMs })`). */
  shutdownTimeoutMs: number;
  /** `null`: one process, everything in memory (the default). */
  multiProcess: MultiProcessConfig | null;
  /** What to tell whoever starts the server about its settings (never a secret). */
  warnings: string[];
}

function integerFrom(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be a whole number from ${min} to ${max}, got ${text}`);
  }
  return value;
}

/** Reads the settings from an environment (process.env by default); throws on an unusable value. */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): ExampleConfig {
  const warnings: string[] = [];
  const port = integerFrom(env, 'PORT', DEFAULT_PORT, 0, 65535);

  const auth: AuthenticateOptions = {};
  const header = (env.MYOPERATOR_HEADER ?? DEFAULT_HEADER).trim();
  if (header !== '') {
    if (header.indexOf(':') <= 0) throw new Error('MYOPERATOR_HEADER must look like "Name: value"');
    auth.headers = [header];
    if (header === DEFAULT_HEADER) {
      warnings.push(
        `the webhook expects the demo header "${header.slice(0, header.indexOf(':'))}" (its value is in ` +
          'docs/example-app.md): set MYOPERATOR_HEADER before the app faces the internet',
      );
    }
  }
  const user = env.MYOPERATOR_BASIC_USER;
  const password = env.MYOPERATOR_BASIC_PASSWORD;
  if ((user === undefined) !== (password === undefined)) {
    throw new Error('set both MYOPERATOR_BASIC_USER and MYOPERATOR_BASIC_PASSWORD, or neither');
  }
  if (user !== undefined && password !== undefined) auth.basic = { username: user, password };
  const open = auth.headers === undefined && auth.basic === undefined;
  if (open) warnings.push('no MYOPERATOR_HEADER nor Basic credentials: the webhook accepts ANY request');

  const logLevel = (env.LOG_LEVEL ?? 'info').trim().toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new Error(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got ${env.LOG_LEVEL ?? ''}`);
  }

  const redisUrl = (env.REDIS_URL ?? '').trim();
  let multiProcess: MultiProcessConfig | null = null;
  if (redisUrl !== '') {
    if (!/^rediss?:\/\//.test(redisUrl)) throw new Error('REDIS_URL must start with redis:// or rediss://');
    multiProcess = {
      redisUrl,
      webProcesses: integerFrom(env, 'WEB_PROCESSES', 1, 1, 16),
      workers: integerFrom(env, 'WORKERS', 2, 1, 16),
      concurrency: integerFrom(env, 'WORKER_CONCURRENCY', 4, 1, 100),
    };
  }

  return {
    port,
    databasePath: env.DATABASE_PATH ?? DEFAULT_DATABASE_PATH,
    auth: open ? false : auth,
    logLevel: logLevel as LogLevelName,
    shutdownTimeoutMs: integerFrom(env, 'SHUTDOWN_TIMEOUT_MS', 10_000, 0, 600_000),
    multiProcess,
    warnings,
  };
}

/** A Redis URL fit for a log line: its scheme, host and port, never its user or password. */
export function redisLocation(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.hostname}:${parsed.port === '' ? '6379' : parsed.port}`;
  } catch {
    return 'redis (unparsable URL)';
  }
}
