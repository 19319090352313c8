// parseMyOperatorBody(): the request body -> req.callEvent. Takes the form field `myoperator` (encoded, or raw
// JSON as `curl -d` sends it), JSON bodies (the log, {myoperator: {...}}, {myoperator: "<json>"}) and bodies an
// earlier parser already read; the payload is then validated and normalised by normalize/.

import type { IncomingMessage } from 'node:http';

import bodyParser from 'body-parser';
import type { NextFunction, Request, RequestHandler, Response } from 'express';

import { fromBodyParserError, MyOperatorWebhookError, unreadableBody } from '../core/errors';
import { formFieldCandidates } from '../pipeline/form-body';
import { isPlainObject, normalizePayload } from '../normalize';
import type { NormalizeOptions } from '../normalize/options';
import { NORMALIZE_OPTION_KEYS, optionError, readNormalizeOptions, readOptions, stringOption } from '../core/options';

export interface ParseMyOperatorBodyOptions {
  /**
   * The largest body accepted, in bytes or as a string such as `'100kb'`; a larger one is answered 413.
   * @default '100kb'
   */
  limit?: number | string;
  /**
   * The form field (and JSON key) that holds the call log.
   * @default 'myoperator'
   */
  field?: string;
  /**
   * Country calling code for phone numbers sent without one.
   * @default '91'
   */
  defaultCountryCode?: string;
  /**
   * IANA time zone of zone-less date strings (`created`, `call_time`).
   * @default 'UTC'
   */
  timeZone?: string;
}

const FACTORY = 'parseMyOperatorBody()';
export const PARSE_BODY_OPTION_KEYS = ['limit', 'field', ...NORMALIZE_OPTION_KEYS] as const;

type MediaKind = 'form' | 'json' | 'none' | 'other';

function mediaKind(header: string | undefined): MediaKind {
  if (header === undefined || header === '') return 'none';
  const semicolon = header.indexOf(';');
  const type = (semicolon < 0 ? header : header.slice(0, semicolon)).trim().toLowerCase();
  if (type === 'application/x-www-form-urlencoded') return 'form';
  if (type === 'application/json' || type === 'text/json' || type.endsWith('+json')) return 'json';
  return 'other';
}

function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/** Whether an earlier parser left something in req.body (its `{}` for "nothing parsed" does not count). */
function isDecoded(body: unknown): boolean {
  if (body === undefined || body === null) return false;
  if (typeof body === 'string' || Buffer.isBuffer(body)) return body.length > 0;
  if (typeof body !== 'object') return false;
  for (const key in body) if (Object.hasOwn(body, key)) return true;
  return false;
}

const BODYLESS_SENDERS = new Set(['GET', 'HEAD', 'DELETE', 'OPTIONS']);

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw new MyOperatorWebhookError('invalid_json', { cause });
  }
}

function isBlank(text: string): boolean {
  return text.trim() === '';
}

/** The body-parser read error -> the documented code. */
function bodyReadError(error: unknown): MyOperatorWebhookError {
  return fromBodyParserError(error) ?? unreadableBody(error);
}

/**
 * Builds `req.callEvent` from the request body. A request without a body passes through untouched (for GET
 * webhooks, whose data is in the query string).
 *
 * @example
 * app.all('/myoperator/incall', parseMyOperatorBody(), calls.middleware());
 */
export function parseMyOperatorBody(options: Readonly<ParseMyOperatorBodyOptions> = {}): RequestHandler {
  const record = readOptions(FACTORY, options, PARSE_BODY_OPTION_KEYS);
  const field = stringOption(FACTORY, 'field', record.field, 'myoperator');
  const normalizeOptions: NormalizeOptions = readNormalizeOptions(FACTORY, record);
  const limit = record.limit ?? '100kb';
  if (!(typeof limit === 'number' && Number.isInteger(limit) && limit > 0) && typeof limit !== 'string') {
    throw optionError(FACTORY, '"limit" must be a positive number of bytes or a string such as "100kb"');
  }
  let readText: RequestHandler;
  try {
    readText = bodyParser.text({ type: () => true, limit, defaultCharset: 'utf-8' }) as RequestHandler;
  } catch {
    throw optionError(FACTORY, `"limit" is not a size: ${JSON.stringify(limit)}`);
  }

  /** A decoded value that holds the call log: the log itself, or a string of it (`{myoperator: "<json>"}`). */
  function payloadOf(value: unknown): unknown {
    if (value === undefined || value === null) throw new MyOperatorWebhookError('missing_call_log');
    if (typeof value !== 'string') return value;
    if (isBlank(value)) throw new MyOperatorWebhookError('missing_call_log');
    return parseJson(value);
  }

  /** The payload inside a decoded body (an object from JSON or from an earlier form parser). */
  function fromDecoded(body: unknown, kind: MediaKind): unknown {
    if (isPlainObject(body) && Object.hasOwn(body, field)) return payloadOf(body[field]);
    if (kind === 'form') throw new MyOperatorWebhookError('missing_call_log');
    return typeof body === 'string' ? payloadOf(body) : body;
  }

  function fromForm(text: string): unknown {
    const candidates = formFieldCandidates(text, field);
    if (candidates.length === 0) {
      // A raw JSON body sent with the form type (`curl -d '{...}'`).
      if (text.trimStart().startsWith('{')) return fromDecoded(parseJson(text), 'json');
      throw new MyOperatorWebhookError('missing_call_log');
    }
    if (isBlank(candidates[0] as string)) throw new MyOperatorWebhookError('missing_call_log');
    let failure: unknown;
    for (const candidate of candidates) {
      try {
        return JSON.parse(candidate) as unknown;
      } catch (error) {
        failure ??= error;
      }
    }
    throw new MyOperatorWebhookError('invalid_json', { cause: failure });
  }

  function fromText(text: string, kind: MediaKind): unknown {
    if (isBlank(text)) throw new MyOperatorWebhookError('missing_call_log');
    const json = kind === 'json' || (kind === 'none' && /^\s*[[{"]/.test(text));
    return json ? fromDecoded(parseJson(text), 'json') : fromForm(text);
  }

  /** Runs `decode`, sets the event and calls next() once, outside the try (a later middleware's throw is its own). */
  function settle(req: Request, next: NextFunction, decode: () => unknown): void {
    let event;
    try {
      event = normalizePayload(decode(), normalizeOptions, new Date());
    } catch (error) {
      next(error);
      return;
    }
    req.callEvent = event;
    next();
  }

  return function myOperatorParseBody(req: Request, res: Response, next: NextFunction): void {
    const kind = mediaKind(req.headers['content-type']);
    const body: unknown = req.body;
    if (isDecoded(body)) {
      settle(req, next, () => {
        if (typeof body === 'string' || Buffer.isBuffer(body)) {
          if (kind === 'other') throw new MyOperatorWebhookError('unsupported_media_type');
          return fromText(body.toString(), kind);
        }
        return fromDecoded(body, kind);
      });
      return;
    }
    if (!hasBody(req)) {
      // GET webhooks carry their data in the query string; a POST with neither body nor query has no call log.
      if (BODYLESS_SENDERS.has(req.method) || req.url.includes('?')) next();
      else next(new MyOperatorWebhookError('missing_call_log'));
      return;
    }
    if (kind === 'other') {
      next(new MyOperatorWebhookError('unsupported_media_type'));
      return;
    }
    readText(req, res, (error?: unknown) => {
      if (error) {
        next(bodyReadError(error));
        return;
      }
      settle(req, next, () => {
        const text: unknown = req.body;
        if (typeof text !== 'string') throw new MyOperatorWebhookError('missing_call_log');
        const payload = fromText(text, kind);
        req.body = kind === 'form' ? { [field]: payload } : payload;
        return payload;
      });
    });
  };
}
