// The package's errors: a status, a machine-readable code and a fixed message per code; `cause` kept.

import {
  ERROR_STATUS,
  HandlerError,
  isMyOperatorWebhookError,
  MyOperatorWebhookError,
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
  ['handler_failed', 500, 'A call event handler failed'],
];

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
      }).toEqual({ name: 'MyOperatorWebhookError', status, statusCode: status, code, expose: status < 500, message });
      expect(error).toBeInstanceOf(Error);
    });

    it('exposes every 4xx and no 5xx', () => {
      expect(TABLE.map(([code]) => [code, new MyOperatorWebhookError(code).expose])).toEqual(
        TABLE.map(([code, status]) => [code, status < 500]),
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

  describe('with details, headers and a message', () => {
    it('keeps them', () => {
      const details = [{ path: '/call_state', message: 'must be string,number,null' }];
      const headers = { 'WWW-Authenticate': 'Basic realm="MyOperator webhook"' };
      const error = new MyOperatorWebhookError('invalid_call_log', { details, headers, message: 'Custom' });
      expect([error.details, error.headers, error.message]).toEqual([details, headers, 'Custom']);
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
        message: '1 call event handler failed for "user_answered"',
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
    it('keeps them in order and counts them in the message', () => {
      const failures = [new Error('a'), 'b', new TypeError('c')];
      const error = new HandlerError(event, failures);
      expect(error.errors).toEqual(failures);
      expect(error.message).toBe('3 call event handlers failed for "user_answered"');
      expect(error.cause).toBeUndefined();
    });
  });
});

describe('StoreError', () => {
  it('carries the event and the cause, and is not an error a client sees', () => {
    const event = buildCallEvent();
    const cause = new Error('ECONNREFUSED');
    const error = new StoreError(event, cause);
    expect([error.name, error.event, error.cause, error.message]).toEqual([
      'StoreError',
      event,
      cause,
      'The call store failed; handlers ran without de-duplication',
    ]);
    expect(isMyOperatorWebhookError(error)).toBe(false);
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
