// The package as users get it: `npm pack`, then installed from the tarball into two small consumer projects (one
// on Express 4, one on Express 5) that require and import it, run the README's quick start on a real server and
// typecheck against its types. Uses the dist/ that `npm test` builds before jest; it never builds dist itself.

import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { lstat, mkdir, mkdtemp, readFile, realpath, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

jest.setTimeout(240_000);

const ROOT = resolve(__dirname, '../..');
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');

/** The runtime names API.md lists; the types it lists are checked by the typecheck below. */
const API_NAMES = [
  'authenticate',
  'parseMyOperatorBody',
  'mapQueryParams',
  'CallEvents',
  'myOperatorWebhook',
  'MyOperatorWebhookError',
  'MemoryStore',
  'RedisStore',
  'myOperatorNodeHandler',
  'myOperatorFetchHandler',
  'withCallEvent',
  'HandlerError',
  'StoreError',
  'QueueError',
];

interface RunResult {
  stdout: string;
  stderr: string;
}

/** The environment for child processes, without what an enclosing `npm test` set for its own package. */
function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (/^npm_(lifecycle_|package_|config_local_prefix$|config_argv$)/i.test(name) || name === 'INIT_CWD') continue;
    env[name] = value;
  }
  return env;
}

function run(command: string, args: readonly string[], cwd: string, timeoutMs = 180_000): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    execFile(
      command,
      args,
      { cwd, env: childEnv(), encoding: 'utf8', timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) {
          reject(new Error(`${command} ${args.join(' ')} (in ${cwd}) failed: ${error.message}\n${stdout}\n${stderr}`));
        } else resolvePromise({ stdout, stderr });
      },
    );
  });
}

/** Runs a Node script of a consumer project and parses the JSON it prints last. */
async function runScript(cwd: string, script: string): Promise<Record<string, unknown>> {
  const { stdout } = await run(process.execPath, [script], cwd, 60_000);
  const last = stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(last) as Record<string, unknown>;
}

// ---- The consumer projects' files -------------------------------------------------------------------------------

/** require() and import() of both entry points from CommonJS. */
const CHECK_CJS = `
const api = require('myoperator-webhooks');
const testing = require('myoperator-webhooks/testing');
(async () => {
  const esm = await import('myoperator-webhooks');
  const esmTesting = await import('myoperator-webhooks/testing');
  console.log(JSON.stringify({
    api: Object.keys(api).sort(),
    testing: Object.keys(testing).sort(),
    importedApi: Object.keys(esm).filter((name) => name !== 'default').sort(),
    importedTesting: Object.keys(esmTesting).filter((name) => name !== 'default').sort(),
    resolved: require.resolve('myoperator-webhooks'),
    resolvedTesting: require.resolve('myoperator-webhooks/testing'),
    expressVersion: require('express/package.json').version,
  }));
})().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
`;

/**
 * The main entry without the optional bullmq installed: it loads none of it; the bullmq entry asks for it. (Not
 * import()ed here: Node 20 reports a CommonJS module that throws under import() as uncaught, besides rejecting.)
 */
const CHECK_BULLMQ_CJS = `
const api = require('myoperator-webhooks');
const loadedByMain = Object.keys(require.cache).filter((file) => /[\\\\/]node_modules[\\\\/](bullmq|ioredis)[\\\\/]/.test(file));
let required = 'loaded';
try {
  require('myoperator-webhooks/bullmq');
} catch (error) {
  required = String(error.message).split('\\n')[0];
}
console.log(JSON.stringify({
  callEvents: typeof api.CallEvents,
  loadedByMain,
  required,
  resolved: require.resolve('myoperator-webhooks/bullmq'),
}));
`;

/** Static import of both entry points, and the same classes as require() (one copy of the code). */
const CHECK_MJS = `
import { createRequire } from 'node:module';
import * as api from 'myoperator-webhooks';
import * as testing from 'myoperator-webhooks/testing';

const require = createRequire(import.meta.url);
const cjs = require('myoperator-webhooks');
console.log(JSON.stringify({
  api: Object.keys(api).filter((name) => name !== 'default').sort(),
  testing: Object.keys(testing).filter((name) => name !== 'default').sort(),
  resolved: import.meta.resolve('myoperator-webhooks'),
  resolvedTesting: import.meta.resolve('myoperator-webhooks/testing'),
  sameClasses: api.CallEvents === cjs.CallEvents && api.MyOperatorWebhookError === cjs.MyOperatorWebhookError,
}));
`;

/** The README's quick start (the all-in-one router), on a real server, fed the seed's log the ways MyOperator sends it. */
const QUICK_START_CJS = `
const express = require('express');
const { CallEvents, myOperatorWebhook } = require('myoperator-webhooks');
const { IN_CALL_LOG } = require('myoperator-webhooks/testing');

const fired = [];
const calls = new CallEvents();
calls.onIncomingCall(async (event) => {
  fired.push([event.name, event.caller && event.caller.e164, event.uid]);
});

const app = express();
app.use('/myoperator/incall', myOperatorWebhook({ auth: { headers: ['my-super-secret-token: abc123def'] }, calls }));

const server = app.listen(0, '127.0.0.1', async () => {
  const url = 'http://127.0.0.1:' + server.address().port + '/myoperator/incall';
  const post = async (headers, body) => {
    const response = await fetch(url, { method: 'POST', headers, body });
    return [response.status, await response.json()];
  };
  const form = { 'content-type': 'application/x-www-form-urlencoded' };
  const secret = { 'my-super-secret-token': 'abc123def' };
  try {
    const results = {
      unauthorized: await post(form, 'myoperator=' + encodeURIComponent(JSON.stringify(IN_CALL_LOG))),
      encoded: await post({ ...form, ...secret }, 'myoperator=' + encodeURIComponent(JSON.stringify(IN_CALL_LOG))),
      rawAgain: await post({ ...form, ...secret }, 'myoperator=' + JSON.stringify(IN_CALL_LOG, null, 1)),
      fired,
    };
    console.log(JSON.stringify(results));
  } catch (error) {
    console.error(error);
    process.exitCode = 1;
  } finally {
    server.close();
  }
});
`;

/** The README's piece-by-piece composition, as an ES module, with the testing helpers sending the requests. */
const PIECES_MJS = `
import express from 'express';
import { authenticate, CallEvents, mapQueryParams, parseMyOperatorBody, webhookErrorHandler } from 'myoperator-webhooks';
import { buildInCallLog, sendWebhook } from 'myoperator-webhooks/testing';

const fired = [];
const calls = new CallEvents();
calls.onUserAnswered((event) => {
  fired.push([event.name, event.format, event.caller && event.caller.e164]);
});
calls.onDialingUsers((event) => {
  fired.push([event.name, event.format, event.caller && event.caller.e164]);
});

const app = express();
app.all(
  '/myoperator/incall',
  authenticate({ headers: ['my-super-secret-token: abc123def'], basic: { username: 'admin', password: '123456' } }),
  parseMyOperatorBody(),
  mapQueryParams({ caller_number: 'callerNumber', state: 'callState', uid: 'uid' }),
  calls.middleware(),
  webhookErrorHandler(),
);

const server = app.listen(0, '127.0.0.1', async () => {
  const url = 'http://127.0.0.1:' + server.address().port + '/myoperator/incall';
  const credentials = { headers: ['my-super-secret-token: abc123def'], basic: { username: 'admin', password: '123456' } };
  try {
    const posted = await sendWebhook(url, buildInCallLog({ call_state: '6' }), { ...credentials, encoding: 'raw-form' });
    const get = await fetch(url + '?caller_number=+919999999999&state=5&uid=s5.1.1', {
      headers: {
        'my-super-secret-token': 'abc123def',
        authorization: 'Basic ' + Buffer.from('admin:123456').toString('base64'),
      },
    });
    const refused = await sendWebhook(url, buildInCallLog(), { headers: credentials.headers });
    console.log(JSON.stringify({
      posted: [posted.status, posted.body],
      get: [get.status, await get.json()],
      refused: [refused.status, refused.body, refused.headers.get('www-authenticate')],
      fired,
    }));
  } catch (error) {
    console.error(error);
    process.exitCode = 1;
  } finally {
    server.close();
  }
});
`;

/** A CommonJS TypeScript consumer: require-style imports, the Request augmentation and CallEventRequest. */
const CONSUMER_CTS = `
import express = require('express');
import webhooks = require('myoperator-webhooks');
import testing = require('myoperator-webhooks/testing');

type ApiTypes = [
  webhooks.CallEvent,
  webhooks.CallEventName,
  webhooks.PhoneNumber,
  webhooks.CallEventRequest,
  webhooks.CallSession,
  webhooks.CallStore,
  webhooks.MyOperatorWebhookError,
];

const calls = new webhooks.CallEvents({ store: new webhooks.MemoryStore() });
calls.onUserAnswered(async (event) => {
  const name: 'user_answered' = event.name;
  const e164: string | null | undefined = event.caller?.e164;
  const users: string[] = event.users;
  return [name, e164, users];
});

const app = express();
app.all(
  '/hook',
  webhooks.authenticate({ headers: ['my-super-secret-token: abc123def'] }),
  webhooks.parseMyOperatorBody({ limit: '100kb' }),
  webhooks.mapQueryParams({ caller_number: 'Caller number with country code' }),
  (req: express.Request, res: express.Response) => {
    const event: webhooks.CallEvent | undefined = req.callEvent;
    // @ts-expect-error callEvent is optional on a plain Request
    const uid: string | null = req.callEvent.uid;
    res.json({ uid: event?.uid ?? uid });
  },
);
app.use('/all-in-one', webhooks.myOperatorWebhook({ auth: false, calls, respond: 'after-handlers', timeoutMs: 4000 }));
// @ts-expect-error auth is required
webhooks.myOperatorWebhook({ calls });

export function callerOf(req: webhooks.CallEventRequest): string | null {
  return req.callEvent.caller?.e164 ?? null;
}

export const log: Record<string, unknown> = testing.buildInCallLog({ call_state: '6' });
export const checked: ApiTypes | null = null;
`;

/** An ES module TypeScript consumer: import syntax, the Request augmentation and CallEventRequest. */
const CONSUMER_MTS = `
import express, { type Request, type Response } from 'express';
import {
  CallEvents,
  MyOperatorWebhookError,
  myOperatorWebhook,
  parseMyOperatorBody,
  type CallEvent,
  type CallEventName,
  type CallEventRequest,
  type CallSession,
  type CallStore,
  type PhoneNumber,
} from 'myoperator-webhooks';
import { buildInCallLog, IN_CALL_LOG } from 'myoperator-webhooks/testing';

type ApiTypes = [CallEvent, CallEventName, PhoneNumber, CallEventRequest, CallSession, CallStore];

const calls = new CallEvents();
calls.onCallFinished(async (event, ctx) => {
  const name: 'call_finished' = event.name;
  const session: CallSession | null | undefined = ctx.session;
  return [name, session];
});
calls.onError((error) => {
  const isOurs: boolean = error instanceof MyOperatorWebhookError;
  return isOurs;
});

const app = express();
app.post('/hook', parseMyOperatorBody(), (req: Request, res: Response) => {
  const event: CallEvent | undefined = req.callEvent;
  // @ts-expect-error callEvent is optional on a plain Request
  const name: CallEventName = req.callEvent.name;
  res.json({ name: event?.name ?? name });
});
app.use('/all-in-one', myOperatorWebhook({ auth: { basic: '{"username": "admin", "password": "123456"}' }, calls }));

export function handle(req: CallEventRequest): CallEventName {
  return req.callEvent.name;
}

export const sample: unknown = IN_CALL_LOG;
export const log: Record<string, unknown> = buildInCallLog({ call_state: '2' });
export const checked: ApiTypes | null = null;
`;

// ---- The spec ------------------------------------------------------------------------------------------------------

interface Consumer {
  major: number;
  dir: string;
}

/** Without Express installed: the node:http handler and the fetch entry serve the seed's log. */
const NO_EXPRESS_CJS = `
const http = require('node:http');
let expressInstalled = true;
try {
  require.resolve('express');
} catch {
  expressInstalled = false;
}
const { CallEvents, myOperatorNodeHandler } = require('myoperator-webhooks');
const fetchEntry = require('myoperator-webhooks/fetch');
const { IN_CALL_LOG, buildWebhookRequest } = require('myoperator-webhooks/testing');

(async () => {
  const fired = [];
  const calls = new CallEvents({ logger: false });
  calls.onIncomingCall((event) => fired.push(event.uid));
  const server = http.createServer(myOperatorNodeHandler({ auth: { headers: ['x-token: s3cret'] }, calls, path: '/hook' }));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const built = buildWebhookRequest(IN_CALL_LOG, { headers: ['x-token: s3cret'] });
  const response = await fetch('http://127.0.0.1:' + server.address().port + '/hook', {
    method: 'POST',
    headers: built.headers,
    body: built.body,
  });
  const node = [response.status, await response.json()];
  server.close();
  const fetchCalls = new fetchEntry.CallEvents({ logger: false });
  const handler = fetchEntry.myOperatorFetchHandler({ auth: false, calls: fetchCalls });
  const answer = await handler(new Request('http://localhost/', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(IN_CALL_LOG) }));
  const loadedExpress = Object.keys(require.cache).some((file) => /node_modules[\\/]express[\\/]/.test(file));
  console.log(JSON.stringify({ expressInstalled, loadedExpress, node, fired, fetch: [answer.status, await answer.json()] }));
})().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
`;

/** A consumer with the tarball alone: no Express, no ioredis, no bullmq. */
async function createBareConsumer(): Promise<string> {
  const dir = join(work, 'consumer-no-express');
  await mkdir(dir);
  await writeFile(
    join(dir, 'package.json'),
    JSON.stringify({ name: 'consumer-no-express', version: '1.0.0', private: true }),
  );
  await run(
    'npm',
    ['install', '--prefer-offline', '--no-audit', '--no-fund', '--omit=peer', '--prefix', dir, tarball],
    dir,
  );
  await writeFile(join(dir, 'no-express.cjs'), NO_EXPRESS_CJS.trimStart());
  return dir;
}

let bareConsumer = '';
let work = '';
let tarball = '';
let packedFiles: string[] = [];
const consumers = new Map<number, Consumer>();

async function createConsumer(major: number): Promise<Consumer> {
  const dir = join(work, `consumer-express${major}`);
  await mkdir(dir);
  await writeFile(
    join(dir, 'package.json'),
    JSON.stringify({ name: `consumer-express${major}`, version: '1.0.0', private: true }, null, 2),
  );
  await run(
    'npm',
    [
      'install',
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      '--prefix',
      dir,
      tarball,
      `express@${major}`,
      `@types/express@${major}`,
    ],
    dir,
  );
  const files: Record<string, string> = {
    'check.cjs': CHECK_CJS,
    'check.mjs': CHECK_MJS,
    'check-bullmq.cjs': CHECK_BULLMQ_CJS,
    'quick-start.cjs': QUICK_START_CJS,
    'pieces.mjs': PIECES_MJS,
    'consumer.cts': CONSUMER_CTS,
    'consumer.mts': CONSUMER_MTS,
  };
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text.trimStart());
  return { major, dir };
}

function consumer(major: number): Consumer {
  const found = consumers.get(major);
  if (!found) throw new Error(`the Express ${major} consumer project was not set up (see beforeAll)`);
  return found;
}

beforeAll(async () => {
  if (!existsSync(join(ROOT, 'dist/cjs/index.js'))) {
    throw new Error('dist/cjs/index.js is missing: run `npm run build` first (`npm test` builds dist/ before jest)');
  }
  work = await mkdtemp(join(tmpdir(), 'myoperator-webhooks-pack-'));
  const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], ROOT);
  const [packed] = JSON.parse(stdout.slice(stdout.indexOf('['))) as Array<{
    filename: string;
    files: Array<{ path: string }>;
  }>;
  if (!packed) throw new Error(`npm pack printed no package: ${stdout}`);
  tarball = join(work, packed.filename);
  packedFiles = packed.files.map((file) => file.path);
  // Both consumers at once: the installs mostly wait on the network and the disk.
  const [bare, ...created] = await Promise.all([createBareConsumer(), createConsumer(4), createConsumer(5)]);
  bareConsumer = bare;
  for (const each of created) consumers.set(each.major, each);
});

afterAll(async () => {
  if (work !== '') await rm(work, { recursive: true, force: true });
});

describe('the packed package', () => {
  it('serves the node:http and Fetch handlers in a project where Express is not installed', async () => {
    const result = await runScript(bareConsumer, 'no-express.cjs');
    expect(result).toEqual({
      expressInstalled: false,
      loadedExpress: false,
      node: [200, { ok: true }],
      fired: ['n2.1596270949.2175190'],
      fetch: [200, { ok: true }],
    });
  });

  it('holds the built entry points, the bin and the docs, and no sources or specs', () => {
    expect(packedFiles).toEqual(
      expect.arrayContaining([
        'package.json',
        'README.md',
        'CHANGELOG.md',
        'dist/cjs/index.js',
        'dist/cjs/index.d.ts',
        'dist/cjs/testing/index.js',
        'dist/cjs/testing/index.d.ts',
        'dist/esm/index.mjs',
        'dist/esm/index.d.mts',
        'dist/esm/testing/index.mjs',
        'dist/esm/testing/index.d.mts',
        'dist/cjs/bullmq/index.js',
        'dist/cjs/bullmq/index.d.ts',
        'dist/esm/bullmq/index.mjs',
        'dist/esm/bullmq/index.d.mts',
        'dist/cjs/cli/index.js',
      ]),
    );
    const unexpected = packedFiles.filter(
      (path) =>
        !path.startsWith('dist/') &&
        !['package.json', 'README.md', 'CHANGELOG.md', 'SECURITY.md', 'LICENSE'].includes(path),
    );
    expect(unexpected).toEqual([]);
    expect(packedFiles.filter((path) => /\.(ts|mts|cts)$/.test(path) && !/\.d\.(ts|mts|cts)$/.test(path))).toEqual([]);
  });

  describe.each([4, 5])('installed next to express@%i', (major) => {
    it('uses the Express major version it was installed with', async () => {
      const result = await runScript(consumer(major).dir, 'check.cjs');

      expect(Number(String(result.expressVersion).split('.')[0])).toBe(major);
    });

    it('links the myoperator-webhooks bin in node_modules/.bin', async () => {
      const { dir } = consumer(major);
      const link = join(dir, 'node_modules/.bin/myoperator-webhooks');

      const [info, target, packageDir] = await Promise.all([
        lstat(link),
        realpath(link),
        realpath(join(dir, 'node_modules/myoperator-webhooks')),
      ]);
      const { mode } = await stat(link);
      const firstLine = (await readFile(link, 'utf8')).split('\n')[0];

      expect([info.isSymbolicLink(), target, (mode & 0o111) !== 0, firstLine]).toEqual([
        true,
        join(packageDir, 'dist/cjs/cli/index.js'),
        true,
        '#!/usr/bin/env node',
      ]);
    });

    it('require()s and import()s both entry points from CommonJS, with every name API.md lists', async () => {
      const { dir } = consumer(major);
      const packageDir = await realpath(join(dir, 'node_modules/myoperator-webhooks'));

      const result = await runScript(dir, 'check.cjs');

      expect(result.api).toEqual(expect.arrayContaining(API_NAMES));
      expect(result.testing).toEqual(expect.arrayContaining(['IN_CALL_LOG', 'buildInCallLog', 'buildWebhookRequest']));
      expect([result.importedApi, result.importedTesting]).toEqual([result.api, result.testing]);
      expect([result.resolved, result.resolvedTesting]).toEqual([
        join(packageDir, 'dist/cjs/index.js'),
        join(packageDir, 'dist/cjs/testing/index.js'),
      ]);
    });

    it('imports both entry points from an ES module, sharing one copy of the code with require()', async () => {
      const { dir } = consumer(major);
      const packageDir = await realpath(join(dir, 'node_modules/myoperator-webhooks'));
      const required = await runScript(dir, 'check.cjs');

      const result = await runScript(dir, 'check.mjs');

      expect(result.api).toEqual(expect.arrayContaining(API_NAMES));
      expect([result.api, result.testing, result.sameClasses]).toEqual([required.api, required.testing, true]);
      expect([result.resolved, result.resolvedTesting]).toEqual([
        `file://${join(packageDir, 'dist/esm/index.mjs')}`,
        `file://${join(packageDir, 'dist/esm/testing/index.mjs')}`,
      ]);
    });

    it('loads the main entry without the optional bullmq; myoperator-webhooks/bullmq asks for it', async () => {
      const { dir } = consumer(major);
      const packageDir = await realpath(join(dir, 'node_modules/myoperator-webhooks'));

      const result = await runScript(dir, 'check-bullmq.cjs');

      expect(existsSync(join(dir, 'node_modules/bullmq'))).toBe(false);
      expect(result).toEqual({
        callEvents: 'function',
        loadedByMain: [],
        required: "Cannot find module 'bullmq'",
        resolved: join(packageDir, 'dist/cjs/bullmq/index.js'),
      });
    });

    it("serves the README's quick start on 127.0.0.1 and fires the handler for the seed's log", async () => {
      const result = await runScript(consumer(major).dir, 'quick-start.cjs');

      expect(result).toEqual({
        unauthorized: [401, { error: { code: 'unauthorized', message: 'Missing or invalid credentials' } }],
        encoded: [200, { ok: true }],
        rawAgain: [200, { ok: true, duplicate: true }],
        fired: [['incoming_call', '+919711636496', 'n2.1596270949.2175190']],
      });
    });

    it("runs the README's quick start as pasted, and the README's curl gets 200 and the handler's line", async () => {
      const { dir } = consumer(major);
      const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
      const section = readme.slice(readme.indexOf('## Quick start'), readme.indexOf('## What arrives'));
      const code = /```js\n([\s\S]*?)```/.exec(section)?.[1];
      const curl = /```sh\n(curl[\s\S]*?)```/.exec(section)?.[1];
      if (code === undefined || curl === undefined) throw new Error('the README has no quick start code and curl');
      await writeFile(join(dir, 'server.mjs'), code);
      const port = 20000 + Math.floor(Math.random() * 20000);
      const server = spawn(process.execPath, ['server.mjs'], { cwd: dir, env: { ...childEnv(), PORT: String(port) } });
      let printed = '';
      server.stdout.on('data', (chunk: Buffer) => (printed += chunk.toString()));
      server.stderr.on('data', (chunk: Buffer) => (printed += chunk.toString()));
      try {
        const started = Date.now();
        while (!printed.includes('MyOperator webhook on')) {
          if (Date.now() - started > 20_000 || server.exitCode !== null)
            throw new Error(`the quick start did not start:\n${printed}`);
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        const first = await run('bash', ['-c', curl.replaceAll('localhost:3000', `127.0.0.1:${port}`)], dir);
        const again = await run('bash', ['-c', curl.replaceAll('localhost:3000', `127.0.0.1:${port}`)], dir);
        expect([first.stdout.trim(), again.stdout.trim()]).toEqual(['{"ok":true}', '{"ok":true,"duplicate":true}']);
        expect(printed).toContain('call n2.1596270949.2175190 from +919711636496');
        expect(printed.match(/call n2\.1596270949\.2175190 from/g)).toHaveLength(1);
      } finally {
        server.kill();
      }
    });

    it("serves the README's piece-by-piece composition as an ES module", async () => {
      const result = await runScript(consumer(major).dir, 'pieces.mjs');

      expect(result).toEqual({
        posted: [200, { ok: true }],
        get: [200, { ok: true }],
        refused: [
          401,
          { error: { code: 'unauthorized', message: 'Missing or invalid credentials' } },
          'Basic realm="MyOperator webhook"',
        ],
        fired: [
          ['user_answered', 'incall-v1', '+919711636496'],
          ['dialing_users', 'query', '+919999999999'],
        ],
      });
    });

    it.each(['node16', 'nodenext'])(
      'typechecks a .cts consumer using require and an .mts consumer using import (module %s)',
      async (mode) => {
        const { dir } = consumer(major);
        const args = [
          TSC,
          '--noEmit',
          '--strict',
          '--skipLibCheck',
          '--target',
          'es2022',
          '--module',
          mode,
          '--moduleResolution',
          mode,
          'consumer.cts',
          'consumer.mts',
        ];

        const result = await run(process.execPath, args, dir, 120_000).then(
          () => 'no errors',
          (error: unknown) => (error instanceof Error ? error.message : String(error)),
        );

        expect(result).toBe('no errors');
      },
    );

    it('typechecks with the declaration files checked too, without the optional ioredis installed', async () => {
      const { dir } = consumer(major);
      const args = [
        TSC,
        '--noEmit',
        '--strict',
        '--target',
        'es2022',
        '--module',
        'node16',
        'consumer.cts',
        'consumer.mts',
      ];

      const result = await run(process.execPath, args, dir, 120_000).then(
        () => 'no errors',
        (error: unknown) => (error instanceof Error ? error.message : String(error)),
      );

      expect(existsSync(join(dir, 'node_modules/ioredis'))).toBe(false);
      expect(result).toBe('no errors');
    });
  });
});
