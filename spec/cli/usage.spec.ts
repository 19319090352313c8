// The CLI's usage: --help for every command (exit 0), `send` for one payload, and bad usage answered with a
// clear message on stderr and exit code 2, before anything is sent.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { AFTER_CALL_LOG, buildInCallLog, SCENARIO_NAMES } from '../../lib/testing';
import { SEND_OPTIONS } from '../../lib/cli/send';
import { SIMULATE_OPTIONS } from '../../lib/cli/simulate';
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
    expect(result.stdout).toContain('myoperator-webhooks send <file> --url <url>');
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
    expect(result.stdout).toContain('Usage: myoperator-webhooks send <file> --url <url>');
    expect(result.stdout).toContain('--encoding form|raw-form|json|json-wrapped|json-string|raw');
    expect(result.stdout).toContain('--content-type <type>');
    expect(result.stdout).toContain('sent raw, as it is, with --content-type');
  });

  it.each([
    ['simulate', SIMULATE_OPTIONS],
    ['send', SEND_OPTIONS],
  ] as const)('%s --help shows every default as "(default: ...)" at the end of its line', async (command, specs) => {
    const result = await runCli([command, '--help']);
    const lines = result.stdout.split('\n');

    const withDefault = specs.filter((spec) => spec.default !== undefined);
    expect(withDefault.length).toBeGreaterThanOrEqual(command === 'simulate' ? 6 : 4);
    for (const spec of withDefault) {
      const line = lines.find((text) => text.startsWith(`  --${spec.name} `));
      expect(line).toMatch(new RegExp(`\\(default: ${spec.default!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\)$`));
    }
    // No bare parenthesis that reads as part of the text, as "v2 (incall-v1)" did.
    expect(result.stdout).not.toMatch(/v2 \(incall-v1\)|\((POST|1|0|10000)\)/);
    expect(result.stdout).toContain(command === 'simulate' ? '(default: incall-v1)' : '(default: json for a v2');
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
    expect(result.stdout).toMatch(/^200 .*n2\.1596270949\.2175190 .*answered\.json \(sent as user_answered\)/m);
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

  it('exits 1 when the payload is refused (422 invalid_call_log) and shows the first details', async () => {
    server = await startServer();
    const file = write('bad.json', JSON.stringify(buildInCallLog({ uid: { nested: true }, call_state: [6] })));
    const [text, json] = await Promise.all([
      runCli(['send', file, '--url', server.url]),
      runCli(['send', file, '--url', server.url, '--json']),
    ]);

    expect([text.code, json.code]).toEqual([1, 1]);
    const line = text.stdout.split('\n').find((row) => row.startsWith('422 ')) ?? '';
    expect(line).toMatch(
      /bad\.json .*\(invalid_call_log: \/\w+ must be string,number,null; \/\w+ must be string,number,null\)$/,
    );
    expect([line.includes('/call_state must'), line.includes('/uid must')]).toEqual([true, true]);
    expect(jsonLines(json.stdout)[0]).toMatchObject({
      status: 422,
      ok: false,
      problem: 'invalid_call_log',
    });
    expect(new Set(jsonLines(json.stdout)[0]?.details as unknown[])).toEqual(
      new Set([
        { path: '/call_state', message: 'must be string,number,null' },
        { path: '/uid', message: 'must be string,number,null' },
      ]),
    );
  });

  it('shows at most three details, and how many more there are', async () => {
    server = await startServer();
    const bad = { nested: true };
    const file = write(
      'worse.json',
      JSON.stringify(buildInCallLog({ uid: bad, call_state: bad, clid: bad, company_id: bad, rdnis: bad })),
    );
    const result = await runCli(['send', file, '--url', server.url]);

    expect(result.stdout).toMatch(/\(invalid_call_log: (\/\w+ must be string,number,null; ){3}\+\d more\)$/m);
  });

  it('exits 2 for a file that is missing', async () => {
    const missing = await runCli(['send', join(directory, 'nope.json'), ...URL_ARGS]);

    expect([missing.code, missing.stderr]).toEqual([2, expect.stringContaining('cannot read')]);
  });

  it('sends a file that is not JSON raw, as it is: text as text/plain (the receiver answers 415)', async () => {
    server = await startServer();
    const result = await runCli(['send', write('notes.txt', 'hello, webhook'), '--url', server.url]);

    expect(result.code).toBe(1);
    expect(result.stdout).toContain('(POST, raw, text/plain; charset=utf-8)');
    expect(server.requests[0]?.contentType).toBe('text/plain; charset=utf-8');
    expect(result.stdout).toMatch(/^415 .*\(unsupported_media_type\)$/m);
  });

  it('sends a captured form body raw as a form, so the receiver reads the call log in it', async () => {
    server = await startServer();
    const body = `myoperator=${encodeURIComponent(JSON.stringify(buildInCallLog({ call_state: '2' })))}`;
    const result = await runCli(['send', write('captured.txt', body), '--url', server.url]);

    expect(result.code).toBe(0);
    expect(server.requests[0]?.contentType).toBe('application/x-www-form-urlencoded');
    expect(server.events.map((event) => event.name)).toEqual(['call_finished']);
  });

  it('takes --content-type for the body, raw or encoded', async () => {
    server = await startServer();
    const file = write('log.json', JSON.stringify(buildInCallLog({ call_state: '6' })));
    const raw = await runCli(['send', file, '--url', server.url, '--encoding', 'raw', '--content-type', 'text/csv']);
    const form = await runCli(['send', file, '--url', server.url, '--content-type', 'application/xml']);

    expect(server.requests.map((request) => [request.contentType, request.status])).toEqual([
      ['text/csv', 415],
      ['application/xml', 415],
    ]);
    expect([raw.code, form.code]).toEqual([1, 1]);
  });

  it('sends a non-JSON file inside the form field with --encoding form: the receiver answers invalid_json', async () => {
    server = await startServer();
    const result = await runCli(['send', write('broken.txt', '{"uid": '), '--url', server.url, '--encoding', 'form']);

    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^400 .*\(invalid_json\)$/m);
  });

  it('stops with one line when the target cannot be reached', async () => {
    const file = write('seed.json', JSON.stringify(buildInCallLog()));
    const result = await runCli(['send', file, ...URL_ARGS, '--duplicate']);

    expect(result.code).toBe(1);
    expect(result.stderr.trimEnd().split('\n')).toEqual([
      'myoperator-webhooks: cannot reach http://127.0.0.1:9/hook: connection refused (ECONNREFUSED); stopped, ' +
        '2 of 2 requests not sent',
    ]);
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
    [
      ['send', 'x.json', ...URL_ARGS, '--method', 'GET', '--query', 'id=uid', '--encoding', 'json'],
      'a GET webhook has no body',
    ],
    [['send', 'x.json', ...URL_ARGS, '--content-type', 'json'], '--content-type must look like type/subtype'],
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
