// Fault tests at the socket: clients that hang up half-way through a body or before the answer, bodies that
// arrive a few bytes at a time, pipelined requests. The server keeps serving, answers what it can correctly,
// runs no handler for a body it never got, and never crashes.

import { gzipSync } from 'node:zlib';

import { buildInCallLog, buildWebhookRequest } from '../../../lib/testing';
import { watchProcess, type ProcessGuard } from '../helpers/process-guard';
import { postHead, rawExchange, trickle } from '../helpers/raw-http';
import { createWebhookApp, listen, type WebhookApp } from '../helpers/webhook-app';

let sequence = 0;

/** A form body for a new call event (new uid each time). */
function formBody(state = '6'): { uid: string; body: string } {
  sequence++;
  const uid = `n2.1700000001.${sequence}`;
  const built = buildWebhookRequest(buildInCallLog({ call_state: state, uid }), { encoding: 'form' });
  return { uid, body: built.body ?? '' };
}

const FORM = 'application/x-www-form-urlencoded';

const delay = (ms: number): Promise<void> =>
  new Promise((resolve) => {
    setTimeout(resolve, ms);
  });

describe('fault: the network', () => {
  let guard: ProcessGuard;
  let subject: WebhookApp;
  let server: Awaited<ReturnType<typeof listen>>;

  beforeEach(async () => {
    guard = watchProcess();
    subject = createWebhookApp({ limit: '100kb', middleware: { timeoutMs: 1000 } });
    server = await listen(subject.app);
  });

  afterEach(async () => {
    await server.close();
    guard.stop();
    expect(guard.fired).toEqual([]);
    expect(subject.problems).toEqual([]);
  });

  /** The number of open connections on the server. */
  function connections(): Promise<number> {
    return new Promise((resolve) => {
      server.server.getConnections((_error, count) => resolve(count));
    });
  }

  /** A complete, well-formed request: proves the server still serves. */
  async function healthy(): Promise<number[]> {
    const { body } = formBody('5');
    const answer = await rawExchange(server.port, [
      {
        data: postHead({ 'Content-Type': FORM, 'Content-Length': Buffer.byteLength(body), Connection: 'close' }) + body,
      },
    ]);
    return answer.statuses;
  }

  describe('a client that hangs up mid-body', () => {
    it('keeps serving after 50 clients each send half a body and disconnect, and runs no handler for them', async () => {
      const cuts = Array.from({ length: 50 }, (_, index) => {
        const { body } = formBody('6');
        const variants = [
          // Content-Length, half the bytes
          [
            postHead({ 'Content-Type': FORM, 'Content-Length': Buffer.byteLength(body) }),
            body.slice(0, body.length / 2),
          ],
          // chunked, cut inside a chunk
          [
            postHead({ 'Content-Type': FORM, 'Transfer-Encoding': 'chunked' }),
            `${body.length.toString(16)}\r\n${body.slice(0, 40)}`,
          ],
          // gzip, cut inside the compressed stream
          [
            postHead({ 'Content-Type': FORM, 'Content-Encoding': 'gzip', 'Content-Length': gzipSync(body).length }),
            gzipSync(body).subarray(0, 30),
          ],
        ] as const;
        const [head, part] = variants[index % variants.length] as readonly [string, string | Buffer];
        return rawExchange(server.port, [{ data: head }, { data: part, delayMs: 5 }], { after: 'destroy' });
      });
      const answers = await Promise.all(cuts);
      await delay(50);
      expect([answers.every((answer) => answer.statuses.length === 0), await healthy(), subject.runs.length]).toEqual([
        true,
        [200],
        1,
      ]);
      const deadline = Date.now() + 2000;
      while ((await connections()) > 0 && Date.now() < deadline) await delay(20);
      expect(await connections()).toBe(0);
    });

    it('answers a 4xx (or nothing) to a client that stops sending and half-closes, and keeps serving', async () => {
      const { body } = formBody('6');
      const answer = await rawExchange(
        server.port,
        [
          { data: postHead({ 'Content-Type': FORM, 'Content-Length': Buffer.byteLength(body) }) },
          { data: body.slice(0, 30) },
        ],
        { after: 'half-close', timeoutMs: 2000 },
      );
      expect(answer.timedOut).toBe(false);
      expect(answer.statuses.every((status) => status >= 400 && status < 500)).toBe(true);
      expect([await healthy(), subject.runs.length]).toEqual([[200], 1]);
    });
  });

  describe('a client that hangs up before the answer', () => {
    it('runs the handlers to completion and keeps serving when the client leaves while they run', async () => {
      const slow = createWebhookApp({
        middleware: { timeoutMs: 1000 },
        handler: () => delay(100),
      });
      const slowServer = await listen(slow.app);
      try {
        const gone = Array.from({ length: 20 }, () => {
          const { body } = formBody('6');
          return rawExchange(
            slowServer.port,
            [{ data: postHead({ 'Content-Type': FORM, 'Content-Length': Buffer.byteLength(body) }) + body }],
            { after: 'destroy' },
          );
        });
        await Promise.all(gone);
        await delay(300);
        const { body } = formBody('6');
        const answer = await rawExchange(slowServer.port, [
          { data: postHead({ 'Content-Type': FORM, 'Content-Length': Buffer.byteLength(body) }) + body },
        ]);
        expect([slow.runs.length, answer.statuses, slow.problems]).toEqual([21, [200], []]);
      } finally {
        await slowServer.close();
      }
    });
  });

  describe('slow bodies', () => {
    it('answers a body trickled 8 bytes every 5 ms correctly, and its handler sees the whole event', async () => {
      const { uid, body } = formBody('6');
      const head = postHead({ 'Content-Type': FORM, 'Content-Length': Buffer.byteLength(body) });
      const answer = await rawExchange(server.port, [{ data: head }, ...trickle(body, 8, 5)], { timeoutMs: 10_000 });
      expect([answer.statuses, subject.runs]).toEqual([[200], [`${uid}:user_answered:6`]]);
    });

    it('answers a chunked JSON body whose head and chunks are trickled', async () => {
      sequence++;
      const uid = `n2.1700000001.${sequence}`;
      const json = JSON.stringify(buildInCallLog({ call_state: '2', uid }));
      const chunked = `${json.length.toString(16)}\r\n${json}\r\n0\r\n\r\n`;
      const head = postHead({ 'Content-Type': 'application/json; charset=utf-8', 'Transfer-Encoding': 'chunked' });
      const answer = await rawExchange(server.port, [...trickle(head, 16, 2), ...trickle(chunked, 32, 5)], {
        timeoutMs: 10_000,
      });
      expect([answer.statuses, subject.runs]).toEqual([[200], [`${uid}:call_finished:2`]]);
    });

    it('answers a trickled gzip body over the limit 413 without a handler run', async () => {
      const small = createWebhookApp({ limit: '1kb' });
      const smallServer = await listen(small.app);
      try {
        const body = gzipSync(`myoperator=${'%20'.repeat(2000)}`);
        const head = postHead({ 'Content-Type': FORM, 'Content-Encoding': 'gzip', 'Content-Length': body.length });
        const answer = await rawExchange(smallServer.port, [{ data: head }, ...trickle(body, 4, 2)], {
          timeoutMs: 10_000,
        });
        expect([answer.statuses, small.runs.length]).toEqual([[413], 0]);
      } finally {
        await smallServer.close();
      }
    });
  });

  describe('pipelined requests', () => {
    it('answers three requests written at once on one connection, in order', async () => {
      const bodies = [formBody('1'), formBody('5'), formBody('6')];
      const data = bodies
        .map(({ body }) => postHead({ 'Content-Type': FORM, 'Content-Length': Buffer.byteLength(body) }) + body)
        .join('');
      const answer = await rawExchange(server.port, [{ data }], { answers: 3 });
      expect([answer.statuses, subject.runs.length]).toEqual([[200, 200, 200], 3]);
    });
  });
});
