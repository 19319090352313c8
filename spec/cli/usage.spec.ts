// The CLI's usage: --help for every command (exit 0), `send` for one payload, and bad usage answered with a
// clear message on stderr and exit code 2, before anything is sent.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { AFTER_CALL_LOG, buildInCallLog, SCENARIO_NAMES } from '../../lib/testing';
import { assertBuilt, jsonLines, runCli, startServer, type TestServer } from './helpers';

jest.setTimeout(60_000);

beforeAll(() => {
  assertBuilt();
});

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const URL_ARGS = ['--url', 'http://127.0.0.1:9/hook'];

describe('myoperator-webhooks --help', () => {
  it('lists the commands and every scenario, exit 0', async () => {
    const result = await runCli(['--help']);

    expect(result.code).toBe(0);
    expect(result.stdout).toContain('myoperator-webhooks simulate <scenario> --url <url>');
    expect(result.stdout).toContain('myoperator-webhooks send <file.json> --url <url>');
    for (const name of SCENARIO_NAMES) expect(result.stdout).toContain(`  ${name} `);
  });

  it.each([
    ['simulate', '--help'],
    ['simulate', '-h'],
    ['help', 'simulate'],
  ])('%s %s: every simulate option, exit 0', async (...args) => {
    const result = await runCli(args);

    expect(result.code).toBe(0);
    for (const option of [
      '--url',
      '--method POST|GET',
      '--format incall-v1|json|v2',
      '--header',
      '--basic user:pass',
      '--query name=field',
      '--calls',
      '--concurrency',
      '--delay',
      '--duplicate',
    ]) {
      expect(result.stdout).toContain(option);
    }
  });

  it('send --help: its options, exit 0', async () => {
    const result = await runCli(['send', '--help']);

    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: myoperator-webhooks send <file.json> --url <url>');
    expect(result.stdout).toContain('--encoding');
  });

  it('--version prints the package version', async () => {
    const result = await runCli(['--version']);

    expect(result.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe('myoperator-webhooks send', () => {
  const directory = mkdtempSync(join(tmpdir(), 'myoperator-send-'));
  const write = (name: string, content: string): string => {
    const file = join(directory, name);
    writeFileSync(file, content);
    return file;
  };

  it('sends one in-call log as the form body, exit 0', async () => {
    server = await startServer();
    const file = write('answered.json', JSON.stringify(buildInCallLog({ call_state: '6' })));
    const result = await runCli(['send', file, '--url', server.url]);

    expect(result.code).toBe(0);
    expect(server.events.map((event) => [event.name, event.uid])).toEqual([['user_answered', 'n2.1596270949.2175190']]);
    expect(server.requests[0]?.contentType).toBe('application/x-www-form-urlencoded');
    expect(result.stdout).toMatch(/^200 .*n2\.1596270949\.2175190 .*-> user_answered/m);
  });

  it('reads the payload from stdin with "-", and sends it as JSON with --encoding json', async () => {
    server = await startServer();
    const result = await runCli(
      ['send', '-', '--url', server.url, '--encoding', 'json'],
      JSON.stringify(AFTER_CALL_LOG),
    );

    expect(result.code).toBe(0);
    expect(server.events.map((event) => [event.format, event.name])).toEqual([['aftercall-v1', 'call_summary']]);
    expect(server.requests[0]?.contentType).toBe('application/json');
  });

  it('exits 1 when the payload is refused (422 invalid_call_log)', async () => {
    server = await startServer();
    const file = write('bad.json', JSON.stringify({ hello: 'world' }));
    const result = await runCli(['send', file, '--url', server.url, '--json']);

    expect(result.code).toBe(1);
    expect(jsonLines(result.stdout)[0]).toMatchObject({ status: 422, ok: false, problem: 'invalid_call_log' });
  });

  it('exits 2 for a file that is missing or not JSON', async () => {
    const missing = await runCli(['send', join(directory, 'nope.json'), ...URL_ARGS]);
    const notJson = await runCli(['send', write('text.json', 'hello'), ...URL_ARGS]);

    expect([missing.code, missing.stderr]).toEqual([2, expect.stringContaining('cannot read')]);
    expect([notJson.code, notJson.stderr]).toEqual([2, expect.stringContaining('is not JSON')]);
  });
});

describe('bad usage', () => {
  it.each<[string[], string]>([
    [['simulate'], 'which scenario?'],
    [['simulate', 'answered'], '--url is required'],
    [['simulate', 'hangup', ...URL_ARGS], 'unknown scenario "hangup"'],
    [['simulate', 'answered', '--url', 'not a url'], '--url must be an absolute http(s) URL'],
    [['simulate', 'answered', '--url', 'ftp://example.com/x'], '--url must be an http(s) URL'],
    [['simulate', 'answered', ...URL_ARGS, '--method', 'PUT'], '--method must be POST or GET'],
    [['simulate', 'answered', ...URL_ARGS, '--format', 'xml'], '--format must be one of incall-v1, json, v2'],
    [['simulate', 'answered', ...URL_ARGS, '--calls', '0'], '--calls must be between 1'],
    [['simulate', 'answered', ...URL_ARGS, '--calls', 'many'], '--calls must be a whole number'],
    [['simulate', 'answered', ...URL_ARGS, '--concurrency', '-1'], '--concurrency must be a whole number'],
    [['simulate', 'answered', ...URL_ARGS, '--concurrency', '--calls'], '--concurrency needs a value'],
    [['simulate', 'answered', ...URL_ARGS, '--delay'], '--delay needs a value'],
    [['simulate', 'answered', ...URL_ARGS, '--header', 'no colon'], '--header must look like "Name: value"'],
    [['simulate', 'answered', ...URL_ARGS, '--basic', 'nopassword'], '--basic must look like user:pass'],
    [['simulate', 'answered', ...URL_ARGS, '--query', 'caller'], '--query must look like name=field'],
    [['simulate', 'answered', ...URL_ARGS, '--query', 'x=duration'], '--query "x=duration": unknown field "duration"'],
    [['simulate', 'answered', ...URL_ARGS, '--method', 'GET'], 'a GET webhook carries only its query parameters'],
    [
      ['simulate', 'answered', ...URL_ARGS, '--method', 'GET', '--query', 'id=uid', '--format', 'v2'],
      '--format v2 sends a JSON body',
    ],
    [['simulate', 'answered', ...URL_ARGS, '--colour'], 'unknown option "--colour"'],
    [['simulate', 'answered', ...URL_ARGS, '--duplicate=yes'], '--duplicate takes no value'],
    [['simulate', 'answered', 'extra', ...URL_ARGS], 'unexpected argument "extra"'],
    [['send', ...URL_ARGS], 'which file?'],
    [['call', ...URL_ARGS], 'unknown command "call"'],
    [['help', 'call'], 'no command "call"'],
  ])('%j: "%s", exit 2', async (args, message) => {
    const result = await runCli(args);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`myoperator-webhooks: ${message}`);
    expect(result.stderr).toMatch(/Run "myoperator-webhooks (simulate |send )?--help" for usage\./);
    expect(result.stdout).toBe('');
  });

  it('exits 2 with the help when run without a command', async () => {
    const result = await runCli([]);

    expect(result.code).toBe(2);
    expect(result.stdout).toContain('Usage:');
  });
});
