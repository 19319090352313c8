// Reading a request body on Node: the common case (a UTF-8 body without Content-Encoding) straight off the stream
// with the limit enforced while reading; compressed bodies and other charsets through body-parser, which inflates
// and decodes them. Either way a failure is one of the documented codes.

import type { IncomingMessage, ServerResponse } from 'node:http';

import { MyOperatorWebhookError } from '../core/errors';

/** Called once with the body's text, or the error to answer with. */
export type BodyCallback = (error: MyOperatorWebhookError | null, text: string) => void;

/** A body that could not be read (bad gzip, an aborted upload): there is no call log to take. */
export function unreadableBody(cause: unknown): MyOperatorWebhookError {
  return new MyOperatorWebhookError('missing_call_log', { hint: 'unreadable_body', cause });
}

/**
 * A body parser's error (body-parser, `express.json()`...) as the documented code: 413 too large, 415 charset or
 * encoding, a parse failure `invalid_json`, any other 4xx an unreadable body (bad gzip, an aborted upload).
 * `null` for anything that is not a body parser's client error.
 */
export function fromBodyParserError(error: unknown): MyOperatorWebhookError | null {
  const { status, type } = (typeof error === 'object' && error !== null ? error : {}) as {
    status?: unknown;
    type?: unknown;
  };
  if (status === 413) return new MyOperatorWebhookError('payload_too_large', { cause: error });
  if (status === 415) return new MyOperatorWebhookError('unsupported_media_type', { cause: error });
  if (type === 'entity.parse.failed') return new MyOperatorWebhookError('invalid_json', { cause: error });
  if (typeof status === 'number' && status >= 400 && status < 500) return unreadableBody(error);
  return null;
}

/** Whether the request carries a body (a length other than 0, or a chunked one). */
export function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/** The charset a Content-Type names, lower case; `null` when it names none. */
function charsetOf(contentType: string | undefined): string | null {
  if (contentType === undefined) return null;
  const at = contentType.toLowerCase().indexOf('charset=');
  if (at < 0) return null;
  return (contentType.slice(at + 8).split(';')[0] ?? '').trim().replace(/^"|"$/g, '').toLowerCase();
}

function isPlainUtf8(req: IncomingMessage): boolean {
  const encoding = req.headers['content-encoding'];
  if (encoding !== undefined && encoding.toLowerCase() !== 'identity') return false;
  const charset = charsetOf(req.headers['content-type']);
  return charset === null || charset === 'utf-8' || charset === 'utf8';
}

type TextParser = ReturnType<typeof import('body-parser').text>;

const parsers = new Map<number, TextParser>();

/**
 * body-parser's text reader for a limit, made once per limit; body-parser itself is loaded the first time a body
 * needs it (a compressed body, another charset), so an app that never gets one never loads it.
 */
function bodyParserFor(limit: number): TextParser {
  let parser = parsers.get(limit);
  if (parser === undefined) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazily: only compressed or non-UTF-8 bodies need it
    const bodyParser = require('body-parser') as typeof import('body-parser');
    parser = bodyParser.text({ type: () => true, limit, defaultCharset: 'utf-8' });
    parsers.set(limit, parser);
  }
  return parser;
}

const tooLarge = (): MyOperatorWebhookError => new MyOperatorWebhookError('payload_too_large');

/**
 * Reads the body as text, at most `limit` bytes. A body declared larger is refused before it is read; one that
 * grows past the limit is refused as soon as it does. The rest of a refused body is read off and dropped, so the
 * connection stays usable.
 */
export function readBody(req: IncomingMessage, res: ServerResponse, limit: number, done: BodyCallback): void {
  if (!isPlainUtf8(req)) {
    // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment -- body-parser types req as its own IncomingMessage import; it is Node's
    bodyParserFor(limit)(req, res, (error?: unknown) => {
      const text: unknown = Reflect.get(req, 'body');
      if (error) done(fromBodyParserError(error) ?? unreadableBody(error), '');
      else done(null, typeof text === 'string' ? text : '');
    });
    return;
  }
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) {
    req.resume();
    done(tooLarge(), '');
    return;
  }
  let first: Buffer | null = null;
  let chunks: Buffer[] | null = null;
  let received = 0;
  let finished = false;
  const finish = (error: MyOperatorWebhookError | null, text: string): void => {
    if (finished) return;
    finished = true;
    req.off('data', onData);
    req.off('end', onEnd);
    req.off('error', onError);
    req.off('aborted', onAborted);
    done(error, text);
  };
  const onData = (chunk: Buffer): void => {
    received += chunk.length;
    if (received > limit) {
      finish(tooLarge(), '');
      req.resume();
      return;
    }
    if (first === null) first = chunk;
    else (chunks ??= [first]).push(chunk);
  };
  const onEnd = (): void => {
    const body = chunks === null ? first : Buffer.concat(chunks, received);
    finish(null, body === null ? '' : body.toString('utf8'));
  };
  const onError = (error: unknown): void => {
    finish(unreadableBody(error), '');
  };
  const onAborted = (): void => {
    finish(unreadableBody(new Error('the request was aborted')), '');
  };
  req.on('data', onData);
  req.on('end', onEnd);
  req.on('error', onError);
  req.on('aborted', onAborted);
}
