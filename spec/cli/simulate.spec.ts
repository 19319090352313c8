// `myoperator-webhooks simulate`, the built bin against a real webhook server: every scenario and format, GET with
// the panel's query mapping, --duplicate, auth options, concurrency, and the exit codes (1 for non-2xx, 2 for usage).

import { SCENARIO_NAMES, SCENARIOS } from '../../lib/testing';
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
    });
  });

  it('exits 1 when the receiver answers 500 (a handler failed)', async () => {
    server = await startServer({ failEvents: true });
    const result = await runCli(['simulate', 'obd-no-answer', '--url', server.url]);

    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^500 .*\(handler_failed\)$/m);
    expect(result.stdout).toContain('status    500 x 1');
  });

  it('exits 1 when nothing answers', async () => {
    const closed = await startServer();
    const url = closed.url;
    await closed.close();
    const result = await runCli(['simulate', 'obd-no-answer', '--url', url]);

    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^ERR .*\(ECONNREFUSED\)$/m);
    expect(result.stdout).toContain('no answer x 1');
  });
});
