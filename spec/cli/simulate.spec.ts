// `myoperator-webhooks simulate`, the built bin against a real webhook server: every scenario and format, GET with
// the panel's query mapping, --duplicate, auth options, concurrency, and the exit codes (1 for non-2xx, 2 for usage).

import { SCENARIO_NAMES, SCENARIOS } from '../../lib/testing';
import {
  assertBuilt,
  jsonLines,
  runCli,
  runCliInTerminal,
  startDyingServer,
  startServer,
  type TestServer,
} from './helpers';

jest.setTimeout(60_000);

beforeAll(() => {
  assertBuilt();
});

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** The event names the server handled, per uid, in arrival order. */
function namesByUid(target: TestServer): Map<string, string[]> {
  const byUid = new Map<string, string[]>();
  for (const event of target.events) byUid.set(event.uid ?? '-', [...(byUid.get(event.uid ?? '-') ?? []), event.name]);
  return byUid;
}

const STATE_NAMES: Record<number, string> = {
  1: 'incoming_call',
  2: 'call_finished',
  3: 'click_to_call_initiated',
  4: 'first_party_no_answer',
  5: 'dialing_users',
  6: 'user_answered',
  7: 'client_rejected',
  9: 'no_answer',
};

describe('myoperator-webhooks simulate', () => {
  it.each(SCENARIO_NAMES)('plays %s: its states in order under one uid, every answer 200, exit 0', async (name) => {
    server = await startServer();
    const result = await runCli(['simulate', name, '--url', server.url]);

    expect(result.code).toBe(0);
    const expected = [
      ...SCENARIOS[name].states.map((state) => STATE_NAMES[state]),
      ...(SCENARIOS[name].afterCall ? ['call_summary'] : []),
    ];
    expect([...namesByUid(server).values()]).toEqual([expected]);
    expect(server.requests.map((request) => [request.method, request.status])).toEqual(
      expected.map(() => ['POST', 200]),
    );
    expect(new Set(server.requests.map((request) => request.contentType))).toEqual(
      new Set(['application/x-www-form-urlencoded']),
    );
    expect(result.stdout).toContain(`#1 ${name}`);
    expect(result.stdout).toMatch(/Summary: 1 \S+ call \(incall-v1, POST\)/);
    expect(result.stdout).toContain(`status    200 x ${expected.length}`);
    expect(result.stdout).toMatch(/latency {3}p50 \d+\.\d ms, p99 \d+\.\d ms/);
  });

  it('plays every scenario with "all", --calls of each, each call under its own uid', async () => {
    server = await startServer();
    const result = await runCli(['simulate', 'all', '--url', server.url, '--calls', '2', '--json']);

    expect(result.code).toBe(0);
    const lines = jsonLines(result.stdout);
    const requests = lines.filter((line) => line.type === 'request');
    const uids = new Set(requests.map((line) => line.uid));
    expect(uids.size).toBe(SCENARIO_NAMES.length * 2);
    expect(namesByUid(server).size).toBe(uids.size);
    for (const name of SCENARIO_NAMES) {
      expect(new Set(requests.filter((line) => line.scenario === name).map((line) => line.uid)).size).toBe(2);
    }
    expect(lines.at(-1)).toMatchObject({ type: 'summary', sent: requests.length, notOk: 0 });
  });

  it('sends the v1 log as a JSON body with --format json', async () => {
    server = await startServer();
    const result = await runCli(['simulate', 'answered', '--url', server.url, '--format', 'json']);

    expect(result.code).toBe(0);
    expect(new Set(server.requests.map((request) => request.contentType))).toEqual(new Set(['application/json']));
    expect(server.events.map((event) => event.format)).toEqual([
      'incall-v1',
      'incall-v1',
      'incall-v1',
      'incall-v1',
      'aftercall-v1',
    ]);
  });

  it('plays Webhook v2 events with --format v2', async () => {
    server = await startServer();
    const result = await runCli(['simulate', 'answered', '--url', server.url, '--format', 'v2']);

    expect(result.code).toBe(0);
    expect(server.events.map((event) => [event.format, event.name])).toEqual([
      ['v2', 'incoming_call'],
      ['v2', 'ivr_started'],
      ['v2', 'dialing_users'],
      ['v2', 'user_answered'],
      ['v2', 'call_finished'],
      ['v2', 'call_summary'],
    ]);
    expect(new Set(server.events.map((event) => event.id)).size).toBe(6);
    expect(server.events.map((event) => event.sequence)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('sends GET requests with only the --query parameters, the way the panel maps them', async () => {
    server = await startServer({
      queryParams: { caller: 'callerNumber', state: 'callState', id: 'uid', agent: "User's phone number" },
    });
    const result = await runCli([
      'simulate',
      'answered',
      '--url',
      server.url,
      '--method',
      'GET',
      '--query',
      'caller=callerNumber',
      '--query',
      'state=Call state',
      '--query',
      'id=uid',
      '--query',
      "agent=User's phone number",
    ]);

    expect(result.code).toBe(0);
    expect(new Set(server.requests.map((request) => [request.method, request.contentType].join()))).toEqual(
      new Set(['GET,']),
    );
    const first = server.events[0]!;
    expect([first.format, first.name, first.callState, first.caller?.e164]).toEqual([
      'query',
      'incoming_call',
      1,
      '+919711636496',
    ]);
    expect(Object.keys(first.params).sort()).toEqual(['agent', 'caller', 'id', 'state']);
    expect(server.events.map((event) => event.callState)).toEqual([1, 5, 6, 2, null]);
    expect(new Set(server.events.map((event) => event.uid)).size).toBe(1);
    expect(server.requests[0]?.url).toMatch(/^\/hook\?caller=%2B919711636496&state=1&id=n2\.\d+\.\d+&agent=\d{10}$/);
  });

  it('sends every event twice with --duplicate: the second is answered duplicate, handlers run once', async () => {
    server = await startServer();
    const result = await runCli(['simulate', 'answered', '--url', server.url, '--duplicate', '--json']);

    expect(result.code).toBe(0);
    const requests = jsonLines(result.stdout).filter((line) => line.type === 'request');
    expect(requests.map((line) => [line.event, line.repeat, line.duplicate])).toEqual(
      ['incoming_call', 'dialing_users', 'user_answered', 'call_finished', 'call_summary'].flatMap((event) => [
        [event, false, false],
        [event, true, true],
      ]),
    );
    expect(server.requests).toHaveLength(10);
    expect(server.events).toHaveLength(5);
    expect(jsonLines(result.stdout).at(-1)).toMatchObject({ sent: 10, duplicates: 5, statuses: { '200': 10 } });
  });

  it('plays several calls at once with --calls and --concurrency, and waits --delay between events', async () => {
    server = await startServer();
    const started = Date.now();
    const result = await runCli([
      'simulate',
      'missed',
      '--url',
      server.url,
      '--calls',
      '6',
      '--concurrency',
      '3',
      '--delay',
      '100',
      '--quiet',
    ]);

    expect(result.code).toBe(0);
    expect(namesByUid(server).size).toBe(6);
    expect(server.events).toHaveLength(24);
    // 2 rounds of 3 calls, 3 pauses of 100 ms each: at least 600 ms; sequentially it would be 1800 ms.
    expect(Date.now() - started).toBeGreaterThanOrEqual(600);
    expect(result.stdout).not.toContain('#1 missed');
    expect(result.stdout).toContain('status    200 x 24');
  });

  describe('with auth', () => {
    const auth = { headers: ['x-myoperator-token: abc123def'], basic: { username: 'admin', password: '123456' } };

    it('sends the --header and --basic credentials', async () => {
      server = await startServer({ auth });
      const result = await runCli([
        'simulate',
        'missed',
        '--url',
        server.url,
        '--header',
        'x-myoperator-token: abc123def',
        '--basic',
        'admin:123456',
      ]);

      expect(result.code).toBe(0);
      expect(server.events).toHaveLength(4);
    });

    it('exits 1 and shows 401 unauthorized when a credential is missing', async () => {
      server = await startServer({ auth });
      const result = await runCli([
        'simulate',
        'missed',
        '--url',
        server.url,
        '--header',
        'x-myoperator-token: abc123def',
      ]);

      expect(result.code).toBe(1);
      expect(result.stdout).toMatch(/^401 .*\(unauthorized\)$/m);
      expect(result.stdout).toContain('4 answers were not 2xx');
      expect(server.events).toHaveLength(0);
      expect(result.stderr.trimEnd().split('\n')).toEqual([
        'hint: the webhook refused the credentials: check --header / --basic ' +
          '(this run sends header "x-myoperator-token", no --basic)',
      ]);
    });

    it('gives one hint for a wrong secret, whatever the number of 401s, and never prints the secret', async () => {
      server = await startServer({ auth });
      const result = await runCli([
        'simulate',
        'all',
        '--url',
        server.url,
        '--header',
        'x-myoperator-token: wrong-secret',
        '--basic',
        'admin:wrong-password',
        '--calls',
        '3',
      ]);

      expect(result.code).toBe(1);
      expect(result.stdout.match(/^401 /gm)).toHaveLength(54);
      expect(result.stderr.trimEnd().split('\n')).toEqual([
        'hint: the webhook refused the credentials: check --header / --basic ' +
          '(this run sends header "x-myoperator-token", --basic for "admin")',
      ]);
      expect(result.stdout + result.stderr).not.toMatch(/wrong-secret|wrong-password/);
    });
  });

  it('exits 1 when the receiver answers 500 (a handler failed)', async () => {
    server = await startServer({ failEvents: true });
    const result = await runCli(['simulate', 'obd-no-answer', '--url', server.url]);

    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^500 .*\(handler_failed\)$/m);
    expect(result.stdout).toContain('status    500 x 1');
  });

  describe('against a target that cannot be reached', () => {
    /** A port on 127.0.0.1 that nothing listens on (a server's, closed). */
    async function deadUrl(): Promise<string> {
      const closed = await startServer();
      await closed.close();
      return closed.url;
    }

    it('stops at the first refused connection: one line on stderr, no request lines, exit 1', async () => {
      const url = await deadUrl();
      const result = await runCli(['simulate', 'all', '--url', url, '--calls', '500']);

      expect(result.code).toBe(1);
      expect(result.stderr.trimEnd().split('\n')).toEqual([
        `myoperator-webhooks: cannot reach ${url}: connection refused (ECONNREFUSED); stopped, 9000 of 9000 requests not sent`,
      ]);
      expect(result.stdout).not.toMatch(/^ERR/m);
      expect(result.stdout).not.toContain('Summary');
    });

    it('says the same for port 9 (which fetch would refuse to try) with calls in flight, and in --json', async () => {
      const result = await runCli([
        'simulate',
        'answered',
        '--url',
        'http://127.0.0.1:9/hook',
        '--calls',
        '100',
        '--concurrency',
        '20',
        '--json',
      ]);

      expect(result.code).toBe(1);
      expect(result.stderr.trimEnd().split('\n')).toEqual([
        'myoperator-webhooks: cannot reach http://127.0.0.1:9/hook: connection refused (ECONNREFUSED); stopped, ' +
          '500 of 500 requests not sent',
      ]);
      expect(jsonLines(result.stdout)).toEqual([
        expect.objectContaining({ type: 'summary', sent: 0, notSent: 500, unreachable: 'connection refused' }),
      ]);
    });

    it('stops when the receiver goes away mid-run, and sums up what was answered', async () => {
      const dying = await startDyingServer(3);
      const result = await runCli(['simulate', 'answered', '--url', dying.url, '--calls', '4', '--delay', '50']);

      expect(result.code).toBe(1);
      expect(dying.answered()).toBe(3);
      expect(result.stdout).toContain('status    200 x 3\n');
      expect(result.stdout).toContain('result    stopped: 17 not sent');
      expect(result.stderr.trimEnd().split('\n')).toEqual([
        `myoperator-webhooks: cannot reach ${dying.url}: connection refused (ECONNREFUSED); stopped, 17 of 20 requests not sent`,
      ]);
    });

    it('keeps going after a timeout, which is one slow answer, not an unreachable target', async () => {
      const slow = await startDyingServer(Infinity, 300);
      const result = await runCli(['simulate', 'obd-no-answer', '--url', slow.url, '--calls', '2', '--timeout', '100']);

      expect(result.code).toBe(1);
      expect(result.stdout.match(/^ERR .*\(no answer in time \(--timeout\)\)$/gm)).toHaveLength(2);
      expect(result.stdout).toContain('no answer x 2');
      await slow.close();
    });
  });

  describe('labels', () => {
    it('says what each request was sent as (the answer does not say what the server built)', async () => {
      server = await startServer();
      const result = await runCli(['simulate', 'answered', '--url', server.url]);

      expect(result.stdout).toMatch(/^200 .* state 6 \(sent as user_answered\) /m);
      expect(result.stdout).toMatch(/^200 .* after-call log \(sent as call_summary\) /m);
      expect(result.stdout).not.toMatch(/^200 .* -> /m);
    });

    it('says what a GET query carries when it is not what was sent, as the server builds it, and warns once', async () => {
      const mapping = { caller: 'callerNumber', state: 'callState', id: 'uid' };
      server = await startServer({ queryParams: mapping });
      const args = Object.entries(mapping).flatMap(([name, field]) => ['--query', `${name}=${field}`]);
      const result = await runCli(['simulate', 'answered', '--url', server.url, '--method', 'GET', ...args]);

      expect(result.code).toBe(0);
      expect(server.events.at(-1)?.name).toBe('unknown');
      expect(result.stdout).toMatch(/^200 .* after-call log \(sent as call_summary; query says unknown\) /m);
      expect(result.stdout).toMatch(/^200 .* state 2 \(sent as call_finished\) /m);
      expect(result.stderr.trimEnd().split('\n')).toEqual([
        'warning: the webhook answered 200 to a GET whose query says "unknown" (after-call log, sent as ' +
          'call_summary, has no call state for the query); a POST webhook carries the whole log',
      ]);
    });

    it('warns once when the GET mapping has no callState and no uid: every event is built unknown', async () => {
      server = await startServer({ queryParams: { caller: 'callerNumber' } });
      const result = await runCli([
        'simulate',
        'missed',
        '--url',
        server.url,
        '--method',
        'GET',
        '--query',
        'caller=callerNumber',
        '--json',
      ]);

      expect(result.code).toBe(0);
      expect(new Set(server.events.map((event) => event.name))).toEqual(new Set(['unknown']));
      expect(
        jsonLines(result.stdout)
          .filter((line) => line.type === 'request')
          .map((line) => line.queryEvent),
      ).toEqual(['unknown', 'unknown', 'unknown', 'unknown']);
      expect(result.stderr.trimEnd().split('\n')).toEqual([
        expect.stringMatching(
          /^warning: the webhook answered 200 to a GET whose query cannot say which event of which call it is \(--query maps no callState and no uid\)/,
        ),
      ]);
    });
  });

  describe('progress', () => {
    /** Carriage return, then ESC [K (erase the line): how the bar is redrawn and cleared. */
    const CLEAR_LINE = '\r\u001b[K';
    const BAR = /^\[[#-]+\] \d\/8 requests {2}\d+% {2}[\d.]+\/s {2}ETA \d+ s$/;

    it('draws a bar with count/total, rate and ETA on a terminal, for runs over two seconds, and clears it', async () => {
      server = await startServer();
      const result = await runCliInTerminal([
        'simulate',
        'missed',
        '--url',
        server.url,
        '--calls',
        '2',
        '--concurrency',
        '2',
        '--delay',
        '800',
        '--quiet',
      ]);

      expect(result.code).toBe(0);
      const bars = result.output.split(CLEAR_LINE).filter((part) => BAR.test(part));
      expect(bars.length).toBeGreaterThan(0);
      // Cleared before the summary: the last bar is followed by the clearing sequence, then the summary.
      expect(result.output.split(CLEAR_LINE).at(-1)).toMatch(/^\r?\n?Summary: 2 missed calls/);
    });

    it('draws no bar under --json on a terminal, nor when the output is not a terminal', async () => {
      server = await startServer();
      const args = ['simulate', 'missed', '--url', server.url, '--calls', '2', '--delay', '700'];
      const [json, piped] = await Promise.all([runCliInTerminal([...args, '--json']), runCli([...args, '--quiet'])]);

      expect([json.code, piped.code]).toEqual([0, 0]);
      expect(json.output).not.toContain('requests  ');
      expect(piped.stdout + piped.stderr).not.toContain('\r');
      expect(piped.stdout + piped.stderr).not.toContain(CLEAR_LINE);
      // Not a terminal: a progress line on stderr every two seconds instead (this run lasts about 4 s).
      expect(piped.stderr).toMatch(/^\.\.\. \d\/8 requests, [\d.]+\/s, ETA \d+ s, \d\.\d s$/m);
    });
  });
});
