// The package's errors: a status, a machine-readable code and a fixed message per code; `cause` kept.

import {
  ERROR_STATUS,
  HandlerError,
  isMyOperatorWebhookError,
  MyOperatorWebhookError,
  QueueError,
  RESPONSE_ERROR_CODES,
  StoreError,
  type ErrorCode,
} from '../../lib';
import { buildCallEvent, buildInCallLog } from '../../lib/testing';

const TABLE: ReadonlyArray<readonly [ErrorCode, number, string]> = [
  ['missing_call_log', 400, 'The request body has no MyOperator call log'],
  ['invalid_json', 400, 'The call log is not valid JSON'],
  ['missing_call_event', 400, 'No call event was built from this request'],
  ['unauthorized', 401, 'Missing or invalid credentials'],
  ['payload_too_large', 413, 'The request body is larger than the limit'],
  ['unsupported_media_type', 415, 'The request body must be a form or JSON'],
  ['invalid_call_log', 422, 'The call log is not a valid MyOperator call log (see details)'],
  ['not_found', 404, 'No MyOperator webhook at this path'],
  ['handler_failed', 500, 'A call event handler failed'],
  ['internal_error', 500, 'Internal server error'],
  ['shutting_down', 503, 'The webhook is shutting down: deliver again later'],
  ['store_failed', 500, 'The call store failed; the event was handled without de-duplication'],
  ['queue_failed', 500, 'The queue could not take the event; its handlers ran in this process'],
];

/** The codes a sender can see: every status above except the two that only reach onError. */
const ANSWERED = TABLE.filter(([code]) => code !== 'store_failed' && code !== 'queue_failed').map(([code]) => code);

describe('ERROR_STATUS', () => {
  it('is the status table of the API contract, code by code', () => {
    expect(ERROR_STATUS).toEqual(Object.fromEntries(TABLE.map(([code, status]) => [code, status])));
  });
});

describe('MyOperatorWebhookError', () => {
  describe('with each code', () => {
    it.each(TABLE)('%s has status %d and a fixed message', (code, status, message) => {
      const error = new MyOperatorWebhookError(code);
      expect({
        name: error.name,
        status: error.status,
        statusCode: error.statusCode,
        code: error.code,
        expose: error.expose,
        message: error.message,
      }).toEqual({
        name: 'MyOperatorWebhookError',
        status,
        statusCode: status,
        code,
        expose: status < 500 || code === 'shutting_down',
        message,
      });
      expect(error).toBeInstanceOf(Error);
    });

    it('exposes every 4xx and, of the 5xx, only shutting_down (its message tells the sender to retry)', () => {
      expect(TABLE.map(([code]) => [code, new MyOperatorWebhookError(code).expose])).toEqual(
        TABLE.map(([code, status]) => [code, status < 500 || code === 'shutting_down']),
      );
    });

    it('lists the codes a sender can receive (never store_failed nor queue_failed)', () => {
      expect([...RESPONSE_ERROR_CODES].sort()).toEqual([...ANSWERED].sort());
    });

    it('refuses a code that is not in the table', () => {
      expect(() => new MyOperatorWebhookError('nope' as ErrorCode)).toThrow(
        /^\[myoperator-webhooks\] unknown error code/,
      );
    });
  });

  describe('with a cause', () => {
    it('keeps it', () => {
      const cause = new SyntaxError('Unexpected token } in JSON');
      const error = new MyOperatorWebhookError('invalid_json', { cause });
      expect(error.cause).toBe(cause);
    });

    it('keeps the fixed message rather than the cause’s text', () => {
      const error = new MyOperatorWebhookError('invalid_json', { cause: new SyntaxError('secret payload text') });
      expect(error.message).toBe('The call log is not valid JSON');
    });
  });

  describe('without a cause', () => {
    it('has no cause property', () => {
      expect('cause' in new MyOperatorWebhookError('unauthorized')).toBe(false);
    });
  });

  describe('with details, headers and a hint', () => {
    it("keeps details and headers, and takes the hint's fixed wording", () => {
      const details = [{ path: '/call_state', message: 'must be string,number,null' }];
      const headers = { 'WWW-Authenticate': 'Basic realm="MyOperator webhook"' };
      const error = new MyOperatorWebhookError('invalid_call_log', { details, headers });
      expect([error.details, error.headers]).toEqual([details, headers]);
      const hinted = new MyOperatorWebhookError('missing_call_event', { hint: 'no_query_mapping' });
      expect([hinted.code, hinted.status, hinted.message]).toEqual([
        'missing_call_event',
        400,
        expect.stringMatching(/queryParams/),
      ]);
    });

    it('has neither details nor headers when none are given', () => {
      const error = new MyOperatorWebhookError('missing_call_log');
      expect([error.details, error.headers]).toEqual([undefined, undefined]);
    });
  });
});

describe('HandlerError', () => {
  const event = buildCallEvent(buildInCallLog({ call_state: '6' }));

  describe('with one failure', () => {
    it('is a handler_failed MyOperatorWebhookError that carries the event, the error and its cause', () => {
      const failure = new Error('database is down: password=hunter2');
      const error = new HandlerError(event, [failure]);
      expect(error).toBeInstanceOf(MyOperatorWebhookError);
      expect({
        name: error.name,
        status: error.status,
        code: error.code,
        expose: error.expose,
        message: error.message,
      }).toEqual({
        name: 'HandlerError',
        status: 500,
        code: 'handler_failed',
        expose: false,
        message: 'A call event handler failed',
      });
      expect(error.event).toBe(event);
      expect(error.errors).toEqual([failure]);
      expect(error.cause).toBe(failure);
    });

    it("never puts the handler's error text in its message", () => {
      const error = new HandlerError(event, [new Error('database is down: password=hunter2')]);
      expect(error.message).not.toContain('hunter2');
    });
  });

  describe('with several failures', () => {
    it('keeps them in order, with the fixed message whatever the event says', () => {
      const failures = [new Error('a'), 'b', new TypeError('c')];
      const error = new HandlerError({ ...event, name: 'unknown' }, failures);
      expect(error.errors).toEqual(failures);
      expect(error.message).toBe('A call event handler failed');
      expect(error.cause).toBeUndefined();
    });
  });

  describe('in a queue worker', () => {
    it('carries the attempt and the most attempts', () => {
      const error = new HandlerError(event, [new Error('x')], { attempt: 2, attempts: 10 });
      expect([error.attempt, error.attempts]).toEqual([2, 10]);
      expect(new HandlerError(event, []).attempt).toBeUndefined();
    });
  });
});

describe.each([
  ['StoreError', StoreError, 'store_failed'],
  ['QueueError', QueueError, 'queue_failed'],
] as const)('%s', (name, ErrorClass, code) => {
  it('is a MyOperatorWebhookError with its code, the event and the cause, never exposed', () => {
    const event = buildCallEvent();
    const cause = new Error('ECONNREFUSED');
    const error = new ErrorClass(event, cause);
    expect([error.name, error.code, error.event, error.cause, error.expose]).toEqual([name, code, event, cause, false]);
    expect(isMyOperatorWebhookError(error)).toBe(true);
    expect(error.message).not.toContain('ECONNREFUSED');
  });
});

describe('isMyOperatorWebhookError()', () => {
  it('recognises the package’s errors and nothing else', () => {
    const event = buildCallEvent();
    expect([
      isMyOperatorWebhookError(new MyOperatorWebhookError('unauthorized')),
      isMyOperatorWebhookError(new HandlerError(event, [])),
      isMyOperatorWebhookError(new Error('x')),
      isMyOperatorWebhookError({ status: 401, code: 'unauthorized' }),
      isMyOperatorWebhookError(null),
    ]).toEqual([true, true, false, false, false]);
  });
});
