// The debug line the observer writes per event, through a real pino logger whose destination is captured:
// the fields of the API, pino's `redact` respected, and never a phone number, secret, error text or payload.

import pino from 'pino';

import type { CallEvent } from '../../lib';
import { createObserver } from '../../lib/observe/create-observer';
import { SafeLogger } from '../../lib/observe/logger';
import { NOOP_EVENT_OBSERVATION } from '../../lib/observe/observer';
import { buildAfterCallLog, buildCallEvent, buildInCallLog } from '../../lib/testing';
import { dispatch, flushLogs, work, type Handler } from './helpers/dispatch';

const PHONE_DIGITS = /9711636496|8586848544|4843004950/;
const SECRETS = /abc123def|my-super-secret-token|CRM refused/;

const ok: Handler = () => undefined;
const fails: Handler = () => {
  throw new Error('CRM refused +919711636496 with key abc123def');
};

/** A pino logger at `debug` writing to a captured destination; `lines` are the parsed lines, `raw` the text. */
function capturedPino(options: pino.LoggerOptions = {}): {
  logger: pino.Logger;
  raw: string[];
  lines: () => Record<string, unknown>[];
} {
  const raw: string[] = [];
  const logger = pino({ level: 'debug', ...options }, { write: (chunk: string) => raw.push(chunk) });
  return { logger, raw, lines: () => raw.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

function inCall(uid: string, callState: number): CallEvent {
  return buildCallEvent(buildInCallLog({ uid, call_state: String(callState) }));
}

describe('createObserver() with a logger that logs at debug', () => {
  it('writes one debug line per event with event, uid, format, duplicate, outcome and ms', async () => {
    const { logger, lines } = capturedPino();
    const observer = createObserver({ logger: new SafeLogger(logger) });
    await dispatch(observer, { event: inCall('n2.1700000000.1', 1), callDelta: 1, handlers: [ok] });
    await dispatch(observer, { event: inCall('n2.1700000000.1', 1), duplicate: true });
    await dispatch(observer, { event: inCall('n2.1700000000.1', 6), handlers: [fails] });
    await dispatch(observer, { event: buildCallEvent(buildAfterCallLog()), handlers: [ok] });
    const queued = await dispatch(observer, { event: inCall('n2.1700000000.2', 1), queue: 'stored' });
    await work(observer, inCall('n2.1700000000.2', 1), queued.trace, [ok]);
    // Written on a later task, never on the answer's path.
    expect(lines()).toEqual([]);
    await flushLogs();
    const written = lines();
    const stable = (line: Record<string, unknown>): Record<string, unknown> =>
      Object.fromEntries(Object.entries(line).filter(([key]) => !['time', 'pid', 'hostname', 'ms'].includes(key)));
    expect(written.map(stable)).toEqual([
      {
        level: 20,
        msg: '[myoperator-webhooks] event received',
        event: 'incoming_call',
        uid: 'n2.1700000000.1',
        format: 'incall-v1',
        duplicate: false,
        outcome: 'handled',
      },
      {
        level: 20,
        msg: '[myoperator-webhooks] event received',
        event: 'incoming_call',
        uid: 'n2.1700000000.1',
        format: 'incall-v1',
        duplicate: true,
        outcome: 'duplicate',
      },
      {
        level: 20,
        msg: '[myoperator-webhooks] event received',
        event: 'user_answered',
        uid: 'n2.1700000000.1',
        format: 'incall-v1',
        duplicate: false,
        outcome: 'failed',
      },
      {
        level: 20,
        msg: '[myoperator-webhooks] event received',
        event: 'call_summary',
        uid: 'd5.1594969927.2496720',
        format: 'aftercall-v1',
        duplicate: false,
        outcome: 'handled',
      },
      {
        level: 20,
        msg: '[myoperator-webhooks] event received',
        event: 'incoming_call',
        uid: 'n2.1700000000.2',
        format: 'incall-v1',
        duplicate: false,
        outcome: 'queued',
      },
      {
        level: 20,
        msg: '[myoperator-webhooks] event processed',
        event: 'incoming_call',
        uid: 'n2.1700000000.2',
        format: 'incall-v1',
        duplicate: false,
        outcome: 'handled',
      },
    ]);
    for (const line of written) {
      expect(typeof line.ms).toBe('number');
      expect(line.ms).toBeGreaterThanOrEqual(0);
    }
  });

  it('never writes a phone number, a secret, handler error text or the payload', async () => {
    const { logger, raw } = capturedPino();
    const observer = createObserver({ logger: new SafeLogger(logger) });
    // Events full of phone numbers (caller, users, agents) and a handler failing with a secret in its message.
    await dispatch(observer, { event: inCall('n2.1700000000.3', 6), handlers: [fails] });
    await dispatch(observer, { event: buildCallEvent(buildAfterCallLog()), handlers: [fails] });
    await flushLogs();
    expect(raw).toHaveLength(2);
    const text = raw.join('');
    expect(text).not.toMatch(PHONE_DIGITS);
    expect(text).not.toMatch(SECRETS);
    expect(text).not.toMatch(/caller|users|agents|clid|_cr|_cl/);
  });

  it('cuts the uid to 100 characters and folds unknown names and formats', async () => {
    const { logger, lines } = capturedPino();
    const observer = createObserver({ logger: new SafeLogger(logger) });
    const hostile = {
      ...inCall('u'.repeat(300), 1),
      name: 'call me on +919711636496',
      format: '<b>',
    } as unknown as CallEvent;
    await dispatch(observer, { event: hostile, handlers: [ok] });
    await flushLogs();
    const [line] = lines();
    expect(line).toMatchObject({ event: 'other', format: 'other', uid: 'u'.repeat(100) });
  });

  it('respects the redact option of the pino logger it is given', async () => {
    const { logger, lines } = capturedPino({ redact: ['uid'] });
    await dispatch(createObserver({ logger: new SafeLogger(logger) }), { event: inCall('n2.1700000000.4', 1) });
    await flushLogs();
    expect(lines()[0]).toMatchObject({ event: 'incoming_call', uid: '[Redacted]' });
  });

  it('writes nothing per event for a pino logger above debug', async () => {
    const { logger, raw } = capturedPino({ level: 'info' });
    await dispatch(createObserver({ logger: new SafeLogger(logger) }), { event: inCall('n2.1', 1), handlers: [ok] });
    await flushLogs();
    expect(raw).toEqual([]);
  });

  it('observes nothing with console (warn and error only) or false', async () => {
    const errors = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const warnings = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      for (const quiet of [new SafeLogger(console), new SafeLogger(false)]) {
        const observer = createObserver({ logger: quiet });
        expect(observer.event(inCall('n2.1', 1), null)).toBe(NOOP_EVENT_OBSERVATION);
        await dispatch(observer, { event: inCall('n2.1', 1), handlers: [fails] });
      }
      await flushLogs();
      expect(errors).not.toHaveBeenCalled();
      expect(warnings).not.toHaveBeenCalled();
    } finally {
      errors.mockRestore();
      warnings.mockRestore();
    }
  });

  it('changes nothing for the event when the logger throws', async () => {
    const throwing = {
      debug: () => {
        throw new Error('logger down');
      },
      error: () => undefined,
    };
    const observer = createObserver({ logger: new SafeLogger(throwing) });
    await expect(dispatch(observer, { event: inCall('n2.1', 1), handlers: [ok] })).resolves.toEqual({
      outcome: 'handled',
      trace: null,
    });
    await flushLogs();
  });
});
