// The example app's settings from the environment, with defaults that make `npm run example` work as it is:
// PORT (3000), DATABASE_PATH, MYOPERATOR_HEADER ("my-super-secret-token: abc123def"), MYOPERATOR_BASIC_USER/_PASSWORD.

import { join } from 'node:path';

import type { AuthenticateOptions } from 'myoperator-webhooks';

/** The header the example expects unless MYOPERATOR_HEADER says otherwise (the panel's "Name: value" form). */
export const DEFAULT_HEADER = 'my-super-secret-token: abc123def';

/** Where the example keeps its SQLite database unless DATABASE_PATH says otherwise. */
export const DEFAULT_DATABASE_PATH = join(__dirname, 'data', 'calls.db');

export const DEFAULT_PORT = 3000;

/** The server's settings. */
export interface ExampleConfig {
  port: number;
  databasePath: string;
  auth: AuthenticateOptions | false;
  /** What to tell whoever starts the server about its settings. */
  warnings: string[];
}

/** Reads the settings from an environment (process.env by default); throws on an unusable value. */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): ExampleConfig {
  const warnings: string[] = [];
  const portText = env.PORT ?? String(DEFAULT_PORT);
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`PORT must be a port number, got ${portText}`);

  const auth: AuthenticateOptions = {};
  const header = (env.MYOPERATOR_HEADER ?? DEFAULT_HEADER).trim();
  if (header !== '') {
    if (header.indexOf(':') <= 0) throw new Error('MYOPERATOR_HEADER must look like "Name: value"');
    auth.headers = [header];
    if (header === DEFAULT_HEADER) warnings.push(`the webhook expects the demo header "${DEFAULT_HEADER}"`);
  }
  const user = env.MYOPERATOR_BASIC_USER;
  const password = env.MYOPERATOR_BASIC_PASSWORD;
  if ((user === undefined) !== (password === undefined)) {
    throw new Error('set both MYOPERATOR_BASIC_USER and MYOPERATOR_BASIC_PASSWORD, or neither');
  }
  if (user !== undefined && password !== undefined) auth.basic = { username: user, password };
  const open = auth.headers === undefined && auth.basic === undefined;
  if (open) warnings.push('no MYOPERATOR_HEADER nor Basic credentials: the webhook accepts ANY request');

  return { port, databasePath: env.DATABASE_PATH ?? DEFAULT_DATABASE_PATH, auth: open ? false : auth, warnings };
}
