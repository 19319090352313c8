// myOperatorNodeHandler() and myOperatorFetchHandler(): their own options (path, and respond: 'next' where it
// means something), what they do with requests for other paths, and the shape each framework expects. The
// answers themselves are held to the shared contract in spec/http/contract.spec.ts.

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import { CallEvents, myOperatorFetchHandler, myOperatorNodeHandler, type MyOperatorHandlerOptions } from '../../lib';
import { buildWebhookRequest, IN_CALL_LOG } from '../../lib/testing';
import { deepFreeze } from '../../lib/testing/deep-freeze';

const calls = new CallEvents({ logger: false });
const BASE: MyOperatorHandlerOptions = { auth: false, calls };

function thrown(build: () => unknown): string {
  try {
    build();
  } catch (error) {
    if (error instanceof TypeError) return error.message;
    throw error;
  }
  throw new Error('no TypeError was thrown');
}

describe.each([
  ['myOperatorNodeHandler()', myOperatorNodeHandler],
  ['myOperatorFetchHandler()', myOperatorFetchHandler],
] as const)('%s options', (factory, make) => {
  it.each([
    ['a typo', { ...BASE, queryParam: {} }, 'queryParam'],
    ['no auth', { calls }, '"auth" is required'],
    ['no calls', { auth: false }, '"calls" must be a CallEvents instance'],
    ['a path without its slash', { ...BASE, path: 'hook' }, '"path" must start with "/"'],
    ['an empty path', { ...BASE, path: '' }, '"path"'],
    ['a bad limit', { ...BASE, limit: 'lots' }, '"limit"'],
    ['a bad respond', { ...BASE, respond: 'later' }, '"respond"'],
  ])('throws a TypeError naming the factory for %s', (_label, options, mentions) => {
    const message = thrown(() => make(options as never));
    expect(message.startsWith(`[myoperator-webhooks] ${factory}`)).toBe(true);
    expect(message).toContain(mentions);
  });

  it("accepts undefined for every optional option, and never changes the caller's object", () => {
    const options = deepFreeze({ ...BASE, path: '/hook', limit: undefined, queryParams: undefined });
    // `undefined` for an option, as JavaScript callers write it.
    expect(typeof make(options as unknown as MyOperatorHandlerOptions)).toBe('function');
  });
});

describe('myOperatorFetchHandler()', () => {
  it("refuses respond: 'next': a Fetch handler must answer", () => {
    expect(thrown(() => myOperatorFetchHandler({ ...BASE, respond: 'next' }))).toMatch(/"respond" cannot be 'next'/);
  });

  it('is (request: Request) => Promise<Response>, reading the body with the Web APIs', async () => {
    const handler = myOperatorFetchHandler({ ...BASE, path: '/myoperator/incall' });
    const built = buildWebhookRequest(IN_CALL_LOG, { path: '/myoperator/incall' });
    const response = await handler(
      new Request(`https://example.com${built.path}`, {
        method: 'POST',
        headers: built.headers,
        body: built.body ?? null,
      }),
    );
    expect(response).toBeInstanceOf(Response);
    expect([response.status, await response.json()]).toEqual([200, { ok: true }]);
  });

  it('answers the path with or without its trailing slash, and 404 for another one', async () => {
    const handler = myOperatorFetchHandler({ ...BASE, path: '/hook' });
    const post = (path: string) =>
      handler(
        new Request(`http://localhost${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{"uid":"n2.1.3","call_state":"1"}',
        }),
      );
    expect((await Promise.all(['/hook', '/hook/', '/hook?x=1', '/hooks', '/'].map(post))).map((r) => r.status)).toEqual(
      [200, 200, 200, 404, 404],
    );
  });
});

describe('myOperatorNodeHandler()', () => {
  async function serve(handler: ReturnType<typeof myOperatorNodeHandler>, fallback: boolean) {
    const server = createServer((req, res) => {
      if (fallback) {
        handler(req, res, () => {
          res.writeHead(299, { 'content-type': 'text/plain' }).end('next');
        });
      } else handler(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return { origin, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
  }

  it('hands a request for another path to next() when it is given one (Connect, Polka)', async () => {
    const { origin, close } = await serve(myOperatorNodeHandler({ ...BASE, path: '/hook' }), true);
    try {
      const other = await fetch(`${origin}/health`);
      const hook = await fetch(`${origin}/hook`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(IN_CALL_LOG),
      });
      expect([other.status, await other.text(), hook.status]).toEqual([299, 'next', 200]);
    } finally {
      await close();
    }
  });

  it('serves every path when no path is set', async () => {
    const { origin, close } = await serve(myOperatorNodeHandler(BASE), false);
    try {
      const answer = await fetch(`${origin}/anything/at/all`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ...IN_CALL_LOG, uid: 'n2.1.4' }),
      });
      expect(answer.status).toBe(200);
    } finally {
      await close();
    }
  });

  it("with respond: 'next', runs the handlers, sets req.callEvent and calls next() for the app to answer", async () => {
    const own = new CallEvents({ logger: false });
    const ran: string[] = [];
    own.onIncomingCall((event) => {
      ran.push(String(event.uid));
    });
    const handler = myOperatorNodeHandler({ auth: false, calls: own, respond: 'next' });
    const server = createServer((req, res) => {
      handler(req, res, () => {
        const event = (req as { callEvent?: { uid: string | null } }).callEvent;
        res.writeHead(200, { 'content-type': 'text/plain' }).end(`app answered ${String(event?.uid)}`);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const answer = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ...IN_CALL_LOG, uid: 'n2.1.5' }),
      });
      expect([answer.status, await answer.text(), ran]).toEqual([200, 'app answered n2.1.5', ['n2.1.5']]);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
