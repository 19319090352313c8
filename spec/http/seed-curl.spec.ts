// The curl commands of MyOperator's in-call webhook documentation (spec/helpers/seed.ts holds its call log as
// printed), run with the real curl binary against the webhook on a real server; only the URL is replaced.

import { execFile } from 'node:child_process';

import { CallEvents, type CallEvent, type CallEventHandlerMethod, type MyOperatorWebhookOptions } from '../../lib';
import seedLog from '../fixtures/incall-v1-seed.json';
import { ADAPTERS, serveAdapter, type AdapterName } from '../helpers/adapters';
import { PRINTED_CALL_LOG, printedCallLog } from '../helpers/seed';

interface CurlResult {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

/** Runs curl with the docs' arguments (no shell), plus options that only shape its output. */
function curl(args: readonly string[]): Promise<CurlResult> {
  return new Promise((resolve, reject) => {
    execFile(
      'curl',
      [...args, '--silent', '--show-error', '--include', '--max-time', '10'],
      { encoding: 'utf8', timeout: 15_000 },
      (error, stdout, stderr) => {
        if (error) {
          reject(new Error(`curl ${args.join(' ')} failed: ${stderr || error.message}`));
          return;
        }
        // With --include the output is the header block(s), a blank line, then the body; a 100 Continue comes first.
        const parts = stdout.split('\r\n\r\n');
        const body = parts.pop() ?? '';
        const head = (parts.pop() ?? '').split('\r\n');
        const status = Number(/^HTTP\/[\d.]+ (\d{3})/.exec(head[0] ?? '')?.[1]);
        const headers: Record<string, string> = {};
        for (const line of head.slice(1)) {
          const colon = line.indexOf(':');
          if (colon > 0) headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
        }
        let parsed: unknown = body;
        try {
          parsed = JSON.parse(body) as unknown;
        } catch {
          // not JSON: keep the text
        }
        resolve({ status, headers, body: parsed });
      },
    );
  });
}

/** Which handler methods fired, with the event each got. */
type Fired = Array<[CallEventHandlerMethod, CallEvent]>;

const HANDLER_METHODS: readonly CallEventHandlerMethod[] = [
  'onIncomingCall',
  'onCallFinished',
  'onClickToCallInitiated',
  'onFirstPartyNoAnswer',
  'onDialingUsers',
  'onUserAnswered',
  'onClientRejected',
  'onNoAnswer',
  'onCallSummary',
  'onDisposition',
  'onUnknown',
];

interface Endpoint {
  url: string;
  fired: Fired;
  close(): Promise<void>;
}

/** The webhook at /webhook.php (the docs' path) on 127.0.0.1, with every typed handler recording. */
async function serveWebhook(adapter: AdapterName, options: Omit<MyOperatorWebhookOptions, 'calls'>): Promise<Endpoint> {
  const calls = new CallEvents({ logger: false });
  const fired: Fired = [];
  for (const method of HANDLER_METHODS) {
    calls[method]((event: CallEvent) => {
      fired.push([method, event]);
    });
  }
  const server = await serveAdapter(adapter, '/webhook.php', { ...options, calls });
  return { url: server.url, fired, close: () => server.close() };
}

let endpoint: Endpoint | null = null;
let adapterInUse: AdapterName = 'express';

async function open(options: Omit<MyOperatorWebhookOptions, 'calls'>): Promise<Endpoint> {
  endpoint = await serveWebhook(adapterInUse, options);
  return endpoint;
}

afterEach(async () => {
  await endpoint?.close();
  endpoint = null;
});

const CHALLENGE = 'Basic realm="MyOperator webhook"';
const UNAUTHORIZED = { error: { code: 'unauthorized', message: 'Missing or invalid credentials' } };

describe.each(ADAPTERS)("the seed documents' curl commands, through the %s adapter", (adapter) => {
  beforeAll(async () => {
    adapterInUse = adapter;
    const version = await new Promise<string>((resolve, reject) => {
      execFile('curl', ['--version'], { encoding: 'utf8' }, (error, stdout) => {
        if (error) reject(new Error('these specs need the curl binary on PATH (apt-get install curl)'));
        else resolve(stdout);
      });
    });
    expect(version).toMatch(/^curl \d/);
  });

  it('prints a call log that is the fixture', () => {
    expect(JSON.parse(PRINTED_CALL_LOG)).toEqual(seedLog);
  });

  it('curl -X POST URL -d myoperator=<call log>: fires onIncomingCall and answers 200', async () => {
    const { url, fired } = await open({ auth: false });

    const response = await curl(['-X', 'POST', url, '-d', `myoperator=${PRINTED_CALL_LOG}`]);

    expect([response.status, response.body, response.headers['content-type']]).toEqual([
      200,
      { ok: true },
      'application/json; charset=utf-8',
    ]);
    expect(fired.map(([method, event]) => [method, event.format, event.uid, event.caller, event.users])).toEqual([
      [
        'onIncomingCall',
        'incall-v1',
        'n2.1596270949.2175190',
        { raw: '919711636496', e164: '+919711636496', national: '9711636496', countryCode: '91' },
        ['+918586848544'],
      ],
    ]);
    expect(fired[0]?.[1].raw).toEqual(seedLog);
  });

  it("curl -X POST URL -H 'my-super-secret-token: abc123def': passes authentication", async () => {
    const { url, fired } = await open({ auth: { headers: ['my-super-secret-token: abc123def'] } });

    const bare = await curl(['-X', 'POST', url, '-H', 'my-super-secret-token: abc123def']);
    const withLog = await curl([
      '-X',
      'POST',
      url,
      '-H',
      'my-super-secret-token: abc123def',
      '-d',
      `myoperator=${PRINTED_CALL_LOG}`,
    ]);
    const withoutHeader = await curl(['-X', 'POST', url, '-d', `myoperator=${PRINTED_CALL_LOG}`]);
    const wrongHeader = await curl(['-X', 'POST', url, '-H', 'my-super-secret-token: abc123dea']);

    // Authenticated, but the command carries no call log.
    expect([bare.status, bare.body]).toEqual([
      400,
      { error: { code: 'missing_call_log', message: 'The request body has no MyOperator call log' } },
    ]);
    expect([withLog.status, withLog.body]).toEqual([200, { ok: true }]);
    expect([withoutHeader.status, withoutHeader.body, withoutHeader.headers['www-authenticate']]).toEqual([
      401,
      UNAUTHORIZED,
      undefined,
    ]);
    expect([wrongHeader.status, wrongHeader.body]).toEqual([401, UNAUTHORIZED]);
    expect(fired.map(([method]) => method)).toEqual(['onIncomingCall']);
  });

  it('curl -u admin:123456 URL: passes Basic authentication', async () => {
    const { url, fired } = await open({
      auth: { basic: '{"username": "admin", "password": "123456"}' },
      queryParams: { caller_number: 'Caller number with country code' },
    });

    const seedCommand = await curl(['-u', 'admin:123456', url]);
    const withQuery = await curl(['-u', 'admin:123456', `${url}?caller_number=+919999999999`]);
    const wrong = await curl(['-u', 'admin:1234567', url]);
    const none = await curl([url]);

    // Authenticated; a GET with no query parameter has no call event to dispatch.
    expect([seedCommand.status, seedCommand.body]).toEqual([
      400,
      { error: { code: 'missing_call_event', message: 'No call event was built from this request' } },
    ]);
    expect([withQuery.status, withQuery.body]).toEqual([200, { ok: true }]);
    expect([wrong.status, wrong.body, wrong.headers['www-authenticate']]).toEqual([401, UNAUTHORIZED, CHALLENGE]);
    expect([none.status, none.body, none.headers['www-authenticate']]).toEqual([401, UNAUTHORIZED, CHALLENGE]);
    expect(JSON.stringify([wrong, none])).not.toContain('123456');
    expect(fired.map(([method, event]) => [method, event.caller?.e164])).toEqual([['onUnknown', '+919999999999']]);
  });

  it('curl -X GET URL?parameter1=<call log value>&parameter2=<another call log value>: maps both', async () => {
    const { url, fired } = await open({
      auth: false,
      queryParams: { parameter1: 'Caller number with country code', parameter2: 'Call state' },
    });

    const response = await curl(['-X', 'GET', `${url}?parameter1=+919999999999&parameter2=6`]);

    expect([response.status, response.body]).toEqual([200, { ok: true }]);
    expect(fired.map(([method, event]) => [method, event.format, event.callState, event.caller?.e164])).toEqual([
      ['onUserAnswered', 'query', 6, '+919999999999'],
    ]);
  });

  it('curl -XGET URL?caller_number=+919999999999: builds a query event with the + restored', async () => {
    const { url, fired } = await open({
      auth: false,
      queryParams: { caller_number: 'Caller number with country code' },
    });

    const response = await curl(['-XGET', `${url}?caller_number=+919999999999`]);

    expect([response.status, response.body]).toEqual([200, { ok: true }]);
    expect(fired.map(([method, event]) => [method, event.format, event.caller])).toEqual([
      [
        'onUnknown',
        'query',
        { raw: '+919999999999', e164: '+919999999999', national: '9999999999', countryCode: '91' },
      ],
    ]);
    expect(Object.keys(fired[0]?.[1].params ?? {})).toEqual(['caller_number']);
  });

  it('curl -XPOST URL?caller_number=+919876543210 -d myoperator=<call log>: the log wins', async () => {
    const { url, fired } = await open({ auth: false, queryParams: { caller_number: 'callerNumber' } });

    const response = await curl([
      '-XPOST',
      `${url}?caller_number=+919876543210`,
      '-d',
      `myoperator=${PRINTED_CALL_LOG}`,
    ]);

    expect([response.status, response.body]).toEqual([200, { ok: true }]);
    expect(fired.map(([method, event]) => [method, event.format, event.caller?.e164])).toEqual([
      ['onIncomingCall', 'incall-v1', '+919711636496'],
    ]);
    expect(Object.keys(fired[0]?.[1].params ?? {})).toEqual(['caller_number']);
  });

  describe('curl -X POST URL -d myoperator=<call log> for every call state', () => {
    it.each<[string, CallEventHandlerMethod, string]>([
      ['1', 'onIncomingCall', 'incoming_call'],
      ['2', 'onCallFinished', 'call_finished'],
      ['3', 'onClickToCallInitiated', 'click_to_call_initiated'],
      ['4', 'onFirstPartyNoAnswer', 'first_party_no_answer'],
      ['5', 'onDialingUsers', 'dialing_users'],
      ['6', 'onUserAnswered', 'user_answered'],
      ['7', 'onClientRejected', 'client_rejected'],
      ['8', 'onUnknown', 'unknown'],
      ['9', 'onNoAnswer', 'no_answer'],
    ])('call_state %s fires %s only, and answers 200', async (callState, method, name) => {
      const { url, fired } = await open({ auth: { headers: ['my-super-secret-token: abc123def'] } });

      const response = await curl([
        '-X',
        'POST',
        url,
        '-H',
        'my-super-secret-token: abc123def',
        '-d',
        `myoperator=${printedCallLog(callState)}`,
      ]);
      const again = await curl([
        '-X',
        'POST',
        url,
        '-H',
        'my-super-secret-token: abc123def',
        '-d',
        `myoperator=${printedCallLog(callState)}`,
      ]);

      expect([response.status, response.body]).toEqual([200, { ok: true }]);
      expect([again.status, again.body]).toEqual([200, { ok: true, duplicate: true }]);
      expect(fired.map(([fired, event]) => [fired, event.name, event.callState, event.caller?.e164])).toEqual([
        [method, name, Number(callState), '+919711636496'],
      ]);
    });
  });
});
