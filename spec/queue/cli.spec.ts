// `myoperator-webhooks queue status|retry` (the built bin) against a real queue on a real redis-server: counts
// as a table or JSON, re-running the failed set, one clear line and exit 1 when Redis is unreachable, exit 2 on
// bad usage, and bullmq loaded only by this command.

import { execFile } from 'node:child_process';
import { join } from 'node:path';

import { BullMQQueue } from '../../lib/bullmq';
import { assertBuilt, BIN, ROOT, runCli, type CliResult } from '../cli/helpers';
import { startRedis, type RedisServer } from '../helpers/redis-server';
import { eventually, queuedEvent } from './helpers';

jest.setTimeout(60_000);

const WITHOUT_BULLMQ = join(__dirname, 'fixtures', 'without-bullmq.js');

/** Runs the built bin in a process where bullmq and ioredis cannot be found. */
function runWithoutBullMQ(args: readonly string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--require', WITHOUT_BULLMQ, BIN, ...args],
      { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' }, timeout: 30_000 },
      (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
      },
    );
  });
}

let server: RedisServer;
let stopped: RedisServer;
const NAME = `calls-cli-${process.pid}`;
let queue: BullMQQueue;

beforeAll(async () => {
  assertBuilt();
  [server, stopped] = await Promise.all([startRedis(), startRedis()]);
  await stopped.stop(); // a port where nothing answers
  // 1 waiting, 2 failed, 1 completed, on the default prefix; 1 waiting on another prefix.
  queue = new BullMQQueue({ connection: { url: server.url }, name: NAME, attempts: 1 });
  for (const id of ['k_done', 'k_dead1', 'k_dead2']) await queue.enqueue(id, queuedEvent(`n2.1.${id}`));
  const worker = queue.work((job) => (job.id === 'k_done' ? Promise.resolve() : Promise.reject(new Error('down'))), {
    concurrency: 1,
  });
  expect(await eventually(async () => (await queue.counts()).failed === 2)).toBe(true);
  await worker.close();
  await queue.enqueue('k_wait', queuedEvent('n2.1.wait'));
  const other = new BullMQQueue({ connection: { url: server.url }, name: NAME, prefix: 'myapp' });
  await other.enqueue('k_other', queuedEvent('n2.1.other'));
  await other.close();
});

afterAll(async () => {
  await queue.close();
  await server.stop();
});

describe('myoperator-webhooks queue status', () => {
  it('prints the counts as one JSON object with --json, exit 0', async () => {
    const result = await runCli(['queue', 'status', '--redis', server.url, '--name', NAME, '--json']);

    expect(result).toEqual({
      code: 0,
      stdout: '{"waiting":1,"active":0,"delayed":0,"failed":2,"completed":1}\n',
      stderr: '',
    });
  });

  it('prints a table without --json', async () => {
    const result = await runCli(['queue', 'status', '--redis', server.url, '--name', NAME]);

    expect([result.code, result.stderr]).toEqual([0, '']);
    expect(result.stdout.split('\n')).toEqual([
      `Queue "${NAME}" on redis://127.0.0.1:${server.port}:`,
      '  waiting    1',
      '  active     0',
      '  delayed    0',
      '  failed     2',
      '  completed  0'.replace('0', '1'),
      '',
    ]);
  });

  it('reads the queue under --prefix', async () => {
    const result = await runCli([
      'queue',
      'status',
      `--redis=${server.url}`,
      `--name=${NAME}`,
      '--prefix',
      'myapp',
      '--json',
    ]);

    expect([result.code, JSON.parse(result.stdout)]).toEqual([
      0,
      { waiting: 1, active: 0, delayed: 0, failed: 0, completed: 0 },
    ]);
  });

  it('says in one line that Redis cannot be reached, exit 1, and never prints the password', async () => {
    const url = `redis://:s3cret-pass@127.0.0.1:${stopped.port}`;
    const started = performance.now();

    const result = await runCli(['queue', 'status', '--redis', url, '--name', NAME]);

    expect(performance.now() - started).toBeLessThan(20_000);
    expect([result.code, result.stdout]).toEqual([1, '']);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(
      new RegExp(
        `^myoperator-webhooks: queue "${NAME}" on redis://127\\.0\\.0\\.1:${stopped.port}: cannot reach Redis \\(.*ECONNREFUSED.*\\)\\n$`,
      ),
    );
    expect(result.stderr).not.toContain('s3cret-pass');
  });
});

describe('myoperator-webhooks queue retry', () => {
  it('moves the failed set back and prints {"retried":N} with --json', async () => {
    const name = `${NAME}-retry`;
    const own = new BullMQQueue({ connection: { url: server.url }, name, attempts: 1 });
    try {
      for (const id of ['k_a', 'k_b', 'k_c']) await own.enqueue(id, queuedEvent(`n2.1.${id}`));
      const worker = own.work(() => Promise.reject(new Error('down')), { concurrency: 3 });
      expect(await eventually(async () => (await own.counts()).failed === 3)).toBe(true);
      await worker.close();

      const result = await runCli(['queue', 'retry', '--redis', server.url, '--name', name, '--json']);
      const again = await runCli(['queue', 'retry', '--redis', server.url, '--name', name]);

      expect(result).toEqual({ code: 0, stdout: '{"retried":3}\n', stderr: '' });
      expect(await own.counts()).toEqual({ waiting: 3, active: 0, delayed: 0, failed: 0, completed: 0 });
      expect(again).toEqual({
        code: 0,
        stdout: `Moved 0 failed jobs of "${name}" on redis://127.0.0.1:${server.port} back to be run again.\n`,
        stderr: '',
      });
    } finally {
      await own.close();
    }
  });
});

describe('myoperator-webhooks queue: usage', () => {
  it.each([
    [['queue'], 'which action? queue status|retry'],
    [
      ['queue', 'flush', '--redis', 'redis://127.0.0.1', '--name', 'calls'],
      'unknown action "flush" (actions: status, retry)',
    ],
    [['queue', 'status', '--name', 'calls'], '--redis <url> is required'],
    [
      ['queue', 'status', '--redis', 'http://127.0.0.1', '--name', 'calls'],
      '--redis must be a redis:// or rediss:// URL',
    ],
    [['queue', 'status', '--redis', 'not a url', '--name', 'calls'], '--redis must be a redis:// or rediss:// URL'],
    [['queue', 'status', '--redis', 'redis://127.0.0.1'], '--name <queue> is required'],
    [['queue', 'status', '--redis', 'redis://127.0.0.1', '--name', 'a:b'], '--name must not contain ":"'],
    [['queue', 'status', '--redis', 'redis://127.0.0.1', '--name', 'calls', '--prefix='], '--prefix must not be empty'],
    [['queue', 'status', 'extra', '--redis', 'redis://127.0.0.1', '--name', 'calls'], 'unexpected argument "extra"'],
    [['queue', 'status', '--redis', 'redis://127.0.0.1', '--name', 'calls', '--url', 'x'], 'unknown option "--url"'],
  ])('%j: exit 2 with a clear message', async (args, message) => {
    const result = await runCli(args);

    expect([result.code, result.stdout]).toEqual([2, '']);
    expect(result.stderr).toBe(`myoperator-webhooks: ${message}\nRun "myoperator-webhooks queue --help" for usage.\n`);
  });

  it.each([[['queue', '--help']], [['queue', 'status', '-h']], [['help', 'queue']]])(
    '%j: every queue option, exit 0',
    async (args) => {
      const result = await runCli(args);

      expect(result.code).toBe(0);
      for (const option of ['status', 'retry', '--redis <url>', '--name <queue>', '--prefix <p>', '--json']) {
        expect(result.stdout).toContain(option);
      }
    },
  );

  it('lists the queue command in the main help', async () => {
    const result = await runCli(['--help']);

    expect(result.stdout).toContain('myoperator-webhooks queue status|retry --redis <url> [options]');
  });
});

describe('without bullmq installed', () => {
  it('the queue command says what to install, exit 1', async () => {
    const result = await runWithoutBullMQ(['queue', 'status', '--redis', server.url, '--name', NAME]);

    expect([result.code, result.stdout]).toEqual([1, '']);
    expect(result.stderr).toBe(
      'myoperator-webhooks: the queue command needs bullmq and ioredis: npm install bullmq ioredis\nASKED ["bullmq"]\n',
    );
  });

  it('the other commands never load it', async () => {
    const help = await runWithoutBullMQ(['--help']);
    const simulateHelp = await runWithoutBullMQ(['simulate', '--help']);
    const simulate = await runWithoutBullMQ(['simulate', 'answered', '--url', 'http://127.0.0.1:9/hook', '--quiet']);

    expect([help.code, help.stderr]).toEqual([0, 'ASKED []\n']);
    expect([simulateHelp.code, simulateHelp.stderr]).toEqual([0, 'ASKED []\n']);
    expect(simulate.code).toBe(1); // nothing listens on port 9: the answers are not 2xx
    expect(simulate.stderr).toMatch(/ASKED \[\]\n$/);
  });

  it('the main entry (built) loads without them, and the bullmq entry names what is missing', async () => {
    const script = [
      `const api = require(${JSON.stringify(join(ROOT, 'dist/cjs/index.js'))});`,
      `let entry = 'loaded';`,
      `try { require(${JSON.stringify(join(ROOT, 'dist/cjs/bullmq/index.js'))}); } catch (error) { entry = error.message; }`,
      `console.log(JSON.stringify({ callEvents: typeof api.CallEvents, entry }));`,
    ].join('\n');
    const result = await new Promise<CliResult>((resolve) => {
      execFile(
        process.execPath,
        ['--require', WITHOUT_BULLMQ, '-e', script],
        { cwd: ROOT },
        (error, stdout, stderr) => {
          resolve({ code: error ? 1 : 0, stdout, stderr });
        },
      );
    });

    expect(result).toEqual({
      code: 0,
      stdout: `${JSON.stringify({ callEvents: 'function', entry: "Cannot find module 'bullmq'" })}\n`,
      stderr: 'ASKED ["bullmq"]\n',
    });
  });
});
