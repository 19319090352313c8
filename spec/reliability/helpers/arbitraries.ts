// fast-check arbitraries for what MyOperator (or anyone who finds the endpoint) can send: scalars of every type,
// JSON trees with dangerous keys, deep nesting, huge arrays, MyOperator's sample payloads with fields replaced,
// and whole HTTP requests (method, query string, content type, charset, content encoding, headers, body bytes).

import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';

import fc from 'fast-check';

import { AFTER_CALL_LOG, IN_CALL_LOG, V2_CALL_SUMMARY } from '../../../lib/testing';

/** Keys that pollute prototypes when code copies objects carelessly. */
export const DANGEROUS_KEYS = ['__proto__', 'constructor', 'prototype', 'hasOwnProperty', 'toString', 'valueOf'];

const IN_CALL_KEYS = Object.keys(IN_CALL_LOG);
const AFTER_CALL_KEYS = Object.keys(AFTER_CALL_LOG);
const V2_KEYS = Object.keys(V2_CALL_SUMMARY);

/** Strings that have broken parsers before: empty, blank, `%` sequences, words that mean something. */
const SPECIAL_STRINGS = [
  '',
  ' ',
  '\t\n',
  '%',
  '%%',
  '%zz',
  '%E0%A4%A',
  '%C0%AF',
  '%00',
  '\u0000',
  '\u2028',
  '\ud800',
  'unknown',
  'null',
  'undefined',
  'NaN',
  'Infinity',
  '-Infinity',
  '1e400',
  '-0',
  '0x10',
  '00',
  '+',
  ' 919711636496',
  '+919711636496',
  '919711636496',
  '09711636496',
  '0091 97116 36496',
  'anonymous',
  '2020-08-01 08:35:56',
  '9999-99-99 99:99:99',
  '0000-00-00 00:00:00',
  '2020-08-01T08:35:56.123456Z',
  '+275760-09-13T00:00:00.001Z',
  '1596270949',
  '1596270949000',
  '9999999999999999',
  '99999999999999999999999',
  '9'.repeat(400),
  `${'1'.repeat(400)}.5`,
  '-'.repeat(50),
  '00:00:39',
  '99:99:99',
  '1,2,,3, ,',
  'Incoming',
  'OUTGOING',
  'Connected',
  'voicemail',
  'call.answered',
  'call.summary',
  ...DANGEROUS_KEYS,
];

export const weirdString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...SPECIAL_STRINGS) },
  { weight: 2, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
  { weight: 1, arbitrary: fc.stringMatching(/^[+ 0-9()-]{0,18}$/) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 12 }).map((state) => String(state)) },
);

/** Numbers, including the ones JSON cannot carry (NaN, Infinity: the normalisers get them from `express.json()`-less code). */
export const weirdNumber: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(0, -0, 1, 6, 8, -1, 1e20, 1e300, -1e300, 2 ** 53 + 1, 1596270949, 1596270949000, 0.5, NaN, Infinity),
  fc.integer(),
  fc.double(),
);

export const scalar: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: weirdString },
  { weight: 2, arbitrary: weirdNumber },
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.boolean() },
);

/** An object whose keys are set with defineProperty, so `__proto__` becomes an own key (as JSON.parse makes it). */
export function objectFromEntries(entries: ReadonlyArray<readonly [string, unknown]>): Record<string, unknown> {
  const object: Record<string, unknown> = {};
  for (const [key, value] of entries) {
    Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return printable(object);
}

/** Counterexamples print as JSON even when a generated own key (`toString`) hides fast-check's printer. */
function printable<T extends object>(value: T): T {
  return Object.defineProperty(value, fc.toStringMethod, {
    value: () => {
      try {
        return JSON.stringify(value);
      } catch {
        return '<unprintable>';
      }
    },
  });
}

const treeKey: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...DANGEROUS_KEYS, ...IN_CALL_KEYS, ...AFTER_CALL_KEYS, ...V2_KEYS, 'myoperator', 'ky', 'vl', 'ui'),
  fc.string({ maxLength: 8 }),
);

/** JSON-like trees (objects, arrays, scalars) with dangerous and MyOperator keys. */
export const jsonTree: fc.Arbitrary<unknown> = fc.letrec<{ tree: unknown }>((tie) => ({
  tree: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    fc.array(tie('tree'), { maxLength: 5 }),
    fc.array(fc.tuple(treeKey, tie('tree')), { maxLength: 6 }).map(objectFromEntries),
  ),
})).tree;

/** Nesting far deeper than any payload: `[[[...]]]` or `{"a":{"a":...}}`, built without recursion. */
export const deepNesting: fc.Arbitrary<unknown> = fc
  .tuple(fc.integer({ min: 50, max: 5000 }), fc.boolean())
  .map(([depth, arrays]) => {
    let value: unknown = 'leaf';
    for (let level = 0; level < depth; level++) value = arrays ? [value] : { a: value };
    // JSON.stringify recurses (and overflows jest's stack at this depth): keep the text, built flat.
    const [open, close] = arrays ? ['[', ']'] : ['{"a":', '}'];
    DEEP_JSON.set(value as object, `${open.repeat(depth)}"leaf"${close.repeat(depth)}`);
    // fast-check prints counterexamples recursively: give the deep value a short description instead.
    return Object.defineProperty(value as object, fc.toStringMethod, {
      value: () => `<${arrays ? 'array' : 'object'} nested ${depth} deep>`,
    });
  });

/** The JSON text of the deeply nested values (see `deepNesting`). */
const DEEP_JSON = new WeakMap<object, string>();

/** JSON.stringify, but flat for the deeply nested values. */
export function toJsonText(value: unknown): string {
  if (typeof value === 'object' && value !== null) {
    const deep = DEEP_JSON.get(value);
    if (deep !== undefined) return deep;
  }
  return JSON.stringify(value);
}

/** Arrays of thousands of items. */
export const hugeArray: fc.Arbitrary<unknown[]> = fc
  .tuple(fc.integer({ min: 1000, max: 20000 }), fc.constantFrom<unknown>('918586848544', {}, [], null, 1, ''))
  .map(([length, item]) =>
    Object.defineProperty(
      Array.from({ length }, () => item),
      fc.toStringMethod,
      { value: () => `<array of ${length} ${JSON.stringify(item)}>` },
    ),
  );

type Path = ReadonlyArray<string | number>;

function pathsOf(value: unknown, prefix: Path = [], out: Path[] = []): Path[] {
  if (typeof value !== 'object' || value === null) return out;
  for (const key of Array.isArray(value) ? value.keys() : Object.keys(value)) {
    const path = [...prefix, key];
    out.push(path);
    pathsOf((value as Record<string | number, unknown>)[key], path, out);
  }
  return out;
}

const DELETE = Symbol('delete');

function applyEdit(target: unknown, path: Path, value: unknown): void {
  let parent = target;
  for (const key of path.slice(0, -1)) {
    if (typeof parent !== 'object' || parent === null) return;
    parent = (parent as Record<string | number, unknown>)[key];
  }
  if (typeof parent !== 'object' || parent === null) return;
  const last = path[path.length - 1] as string | number;
  if (value === DELETE) {
    Reflect.deleteProperty(parent, last);
    return;
  }
  // A copy: fast-check shares generated instances between runs, and an edit path may lead into this value.
  const copy: unknown = typeof value === 'object' && value !== null ? structuredClone(value) : value;
  Object.defineProperty(parent, last, { value: copy, enumerable: true, writable: true, configurable: true });
}

/** A sample payload with some of its fields (at any depth) replaced by wrong-typed values or removed. */
function mutated(sample: object): fc.Arbitrary<unknown> {
  const paths = pathsOf(sample);
  const replacement = fc.oneof(
    { weight: 4, arbitrary: scalar },
    { weight: 2, arbitrary: jsonTree },
    { weight: 1, arbitrary: fc.constant<unknown>(DELETE) },
    { weight: 1, arbitrary: fc.constant<unknown>([]) },
  );
  return fc.array(fc.tuple(fc.nat(paths.length - 1), replacement), { maxLength: 6 }).chain((edits) =>
    fc.array(fc.tuple(fc.constantFrom(...DANGEROUS_KEYS), jsonTree), { maxLength: 2 }).map((extra) => {
      const copy = structuredClone(sample) as Record<string, unknown>;
      for (const [index, value] of edits) applyEdit(copy, paths[index] as Path, value);
      for (const [key, value] of extra) applyEdit(copy, [key], value);
      return printable(copy);
    }),
  );
}

/** An in-call-like log: any subset of its keys, each with any scalar (or a list for `users`). */
const inCallLike: fc.Arbitrary<unknown> = fc
  .array(
    fc.tuple(fc.constantFrom(...IN_CALL_KEYS, ...DANGEROUS_KEYS), fc.oneof(scalar, fc.array(scalar, { maxLength: 4 }))),
    { maxLength: 12 },
  )
  .map(objectFromEntries);

const nearValid = [
  { weight: 4, arbitrary: mutated(IN_CALL_LOG) },
  { weight: 3, arbitrary: mutated(AFTER_CALL_LOG) },
  { weight: 3, arbitrary: mutated(V2_CALL_SUMMARY) },
  { weight: 3, arbitrary: inCallLike },
  { weight: 2, arbitrary: jsonTree },
];

/** Payloads without the deep nesting (for checks that walk the payload recursively themselves). */
export const shallowPayload: fc.Arbitrary<unknown> = fc.oneof(...nearValid);

/** A decoded payload: mostly near-valid MyOperator logs of every format, some junk, some hostile shapes. */
export const payload: fc.Arbitrary<unknown> = fc.oneof(
  ...nearValid,
  { weight: 1, arbitrary: deepNesting },
  {
    weight: 1,
    arbitrary: fc.tuple(fc.constantFrom('users', '_ld', '_pm', 'payload', 'uid'), hugeArray).map(([key, list]) =>
      objectFromEntries([
        ['uid', 'n2.1596270949.1'],
        [key, list],
      ]),
    ),
  },
);

// ----- HTTP requests -----

export type BodyEncoding = 'form' | 'raw-form' | 'json' | 'json-wrapped' | 'json-string' | 'bytes' | 'text' | 'none';

export interface HttpCase {
  method: 'POST' | 'GET' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS';
  query: string;
  headers: Record<string, string>;
  body: Buffer | null;
  /** What the body was built from, for failure reports. */
  summary: string;
}

const CONTENT_TYPES = [
  null,
  '',
  'application/x-www-form-urlencoded',
  'application/json',
  'APPLICATION/JSON',
  'text/json',
  'application/vnd.myoperator+json',
  'text/plain',
  'application/octet-stream',
  'multipart/form-data; boundary=x',
  'application/xml',
  ';;;',
  'application/json;',
  'application/x-www-form-urlencoded ; charset="utf-8"',
] as const;

/** The content type MyOperator would send with each body encoding. */
const MATCHING_TYPE: Record<BodyEncoding, string | null> = {
  form: 'application/x-www-form-urlencoded',
  'raw-form': 'application/x-www-form-urlencoded',
  json: 'application/json',
  'json-wrapped': 'application/json',
  'json-string': 'application/json',
  bytes: 'application/json',
  text: 'application/x-www-form-urlencoded',
  none: null,
};

const CHARSETS = [
  null,
  'utf-8',
  'UTF-8',
  'utf8',
  'latin1',
  'iso-8859-1',
  'utf-16le',
  'ascii',
  'bogus-charset',
] as const;

const CONTENT_ENCODINGS = [
  null,
  'identity',
  'gzip',
  'deflate',
  'br',
  'GZIP',
  'compress',
  'gzip, gzip',
  'bogus',
] as const;

function encodeText(text: string, charset: string | null): Buffer {
  switch (charset?.toLowerCase()) {
    case 'latin1':
    case 'iso-8859-1':
      return Buffer.from(text, 'latin1');
    case 'utf-16le':
      return Buffer.from(text, 'utf16le');
    case 'ascii':
      return Buffer.from(text, 'ascii');
    default:
      return Buffer.from(text, 'utf8');
  }
}

function compress(body: Buffer, encoding: string | null, honest: boolean): Buffer {
  if (!honest) return body;
  switch (encoding?.toLowerCase()) {
    case 'gzip':
      return gzipSync(body);
    case 'deflate':
      return deflateSync(body);
    case 'br':
      return brotliCompressSync(body);
    default:
      return body;
  }
}

function bodyText(value: unknown, encoding: BodyEncoding, field: string): string {
  const json = toJsonText(value);
  switch (encoding) {
    case 'form':
      return `${encodeURIComponent(field)}=${encodeURIComponent(json)}`;
    case 'raw-form':
      return `${field}=${json}`;
    case 'json':
      return json;
    case 'json-wrapped':
      return `{${JSON.stringify(field)}:${json}}`;
    case 'json-string':
      return JSON.stringify({ [field]: json });
    default:
      return '';
  }
}

const URL_SAFE_CHARS = "abcXYZ019_-.~+%&=;:@!$'()*,/?[]".split('');

/** A query string: well-formed, raw (`+`, bad `%`), latin-1 bytes, dangerous names, mapped names. */
export const queryString: fc.Arbitrary<string> = fc.oneof(
  { weight: 2, arbitrary: fc.constant('') },
  {
    weight: 3,
    arbitrary: fc
      .array(
        fc.tuple(
          fc.constantFrom('caller_number', 'state', 'uid', 'created', 'event', 'status', 'agent', ...DANGEROUS_KEYS),
          weirdString,
          fc.boolean(),
        ),
        { maxLength: 8 },
      )
      .map((pairs) =>
        pairs
          .map(([name, value, encode]) => {
            const safe = encode ? encodeURIComponent(value.replace(/[\ud800-\udfff]/g, '')) : value;
            // A raw value keeps `+`, `%` and latin-1 bytes; anything below 0x21 or above 0xff must be escaped.
            return `${name}=${safe.replace(/[^\u0021-\u00ff]/g, (char) => encodeURIComponent(char.replace(/[\ud800-\udfff]/g, '?')))}`;
          })
          .join('&'),
      ),
  },
  { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom(...URL_SAFE_CHARS), maxLength: 60 }) },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: 900, max: 1200 })
      .map((count) => Array.from({ length: count }, (_, i) => `p${i}=${i}`).join('&')),
  },
);

const HEADER_NAME_CHARS = 'abcdefghijklmnopqrstuvwxyz0123456789-_'.split('');
const HEADER_VALUE_CHARS = ' !"#$%&\'()*+,-./0123456789:;<=>?@ABCXYZ[\\]^_`abcxyz{|}~'.split('');
const RESERVED_HEADERS = new Set([
  'content-length',
  'transfer-encoding',
  'host',
  'connection',
  'expect',
  'content-type',
  'content-encoding',
  'authorization',
  'upgrade',
  'te',
  'trailer',
  'keep-alive',
]);

const extraHeaders: fc.Arbitrary<Record<string, string>> = fc
  .array(
    fc.tuple(
      fc.string({ unit: fc.constantFrom(...HEADER_NAME_CHARS), minLength: 1, maxLength: 20 }),
      fc.string({ unit: fc.constantFrom(...HEADER_VALUE_CHARS), maxLength: 60 }),
    ),
    { maxLength: 6 },
  )
  .map((pairs) => {
    const headers: Record<string, string> = {};
    for (const [name, value] of pairs) if (!RESERVED_HEADERS.has(name)) headers[name] = value.trim();
    return headers;
  });

export interface HttpCaseOptions {
  /** The header credentials the app expects, and whether a case sends them right, wrong or not at all. */
  auth?: { header: string; value: string; basic: { username: string; password: string } };
  /** Pad some bodies past this many bytes. */
  limitBytes: number;
}

type Credential = 'right' | 'wrong' | 'missing' | 'garbage';

function authHeaders(options: HttpCaseOptions, header: Credential, basic: Credential): Record<string, string> {
  const auth = options.auth;
  if (!auth) return {};
  const headers: Record<string, string> = {};
  if (header === 'right') headers[auth.header] = auth.value;
  if (header === 'wrong') headers[auth.header] = `${auth.value}x`;
  if (header === 'garbage') headers[auth.header] = '';
  const pair = `${auth.basic.username}:${auth.basic.password}`;
  if (basic === 'right') headers.authorization = `Basic ${Buffer.from(pair).toString('base64')}`;
  if (basic === 'wrong') headers.authorization = `Basic ${Buffer.from(`${pair}x`).toString('base64')}`;
  if (basic === 'garbage') headers.authorization = `Basic ${' '.repeat(200)}=:=::${'A'.repeat(3000)}`;
  return headers;
}

/** Whole HTTP requests. */
export function httpCase(options: HttpCaseOptions): fc.Arbitrary<HttpCase> {
  const credential = fc.constantFrom<Credential>('right', 'right', 'right', 'right', 'wrong', 'missing', 'garbage');
  return fc
    .record({
      method: fc.oneof(
        { weight: 6, arbitrary: fc.constant<HttpCase['method']>('POST') },
        { weight: 2, arbitrary: fc.constant<HttpCase['method']>('GET') },
        { weight: 1, arbitrary: fc.constantFrom<HttpCase['method']>('PUT', 'PATCH', 'DELETE', 'OPTIONS') },
      ),
      query: queryString,
      encoding: fc.oneof(
        {
          weight: 4,
          arbitrary: fc.constantFrom<BodyEncoding>('form', 'raw-form', 'json', 'json-wrapped', 'json-string'),
        },
        { weight: 1, arbitrary: fc.constantFrom<BodyEncoding>('bytes', 'text', 'none') },
      ),
      value: payload,
      bytes: fc.uint8Array({ maxLength: 300 }),
      text: weirdString,
      field: fc.oneof(
        { weight: 6, arbitrary: fc.constant('myoperator') },
        { weight: 1, arbitrary: fc.constantFrom('other', '__proto__', 'constructor') },
      ),
      contentType: fc.oneof(
        { weight: 5, arbitrary: fc.constant<'matching'>('matching') },
        { weight: 2, arbitrary: fc.constantFrom(...CONTENT_TYPES) },
      ),
      charset: fc.oneof(
        { weight: 6, arbitrary: fc.constant(null) },
        { weight: 3, arbitrary: fc.constantFrom(...CHARSETS) },
      ),
      contentEncoding: fc.oneof(
        { weight: 6, arbitrary: fc.constant(null) },
        { weight: 3, arbitrary: fc.constantFrom(...CONTENT_ENCODINGS) },
      ),
      honestEncoding: fc.oneof(
        { weight: 4, arbitrary: fc.constant(true) },
        { weight: 1, arbitrary: fc.constant(false) },
      ),
      oversize: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
      headers: extraHeaders,
      headerCredential: credential,
      basicCredential: credential,
    })
    .map((input) => {
      let text: string | null;
      if (input.encoding === 'bytes') text = null;
      else if (input.encoding === 'text') text = input.text;
      else if (input.encoding === 'none') text = '';
      else text = bodyText(input.value, input.encoding, input.field);
      let body = text === null ? Buffer.from(input.bytes) : encodeText(text, input.charset);
      if (input.oversize) body = Buffer.concat([body, Buffer.alloc(options.limitBytes + 1, 0x20)]);
      body = compress(body, input.contentEncoding, input.honestEncoding);
      const headers: Record<string, string> = { ...input.headers };
      const contentType = input.contentType === 'matching' ? MATCHING_TYPE[input.encoding] : input.contentType;
      if (contentType !== null) {
        headers['content-type'] = input.charset === null ? contentType : `${contentType}; charset=${input.charset}`;
      }
      if (input.contentEncoding !== null) headers['content-encoding'] = input.contentEncoding;
      Object.assign(headers, authHeaders(options, input.headerCredential, input.basicCredential));
      const hasBody = input.encoding !== 'none' || input.oversize;
      const item = {
        method: input.method,
        query: input.query,
        headers,
        body: hasBody ? body : null,
        summary: `${input.method} ?${input.query.slice(0, 80)} ${input.encoding} field=${input.field} ${String(contentType)} charset=${String(input.charset)} ce=${String(input.contentEncoding)}/${input.honestEncoding} oversize=${input.oversize} auth=${input.headerCredential}/${input.basicCredential} bytes=${hasBody ? body.length : 0}`,
      };
      const printed = `${item.summary} headers=${JSON.stringify(headers)} body=${item.body === null ? 'none' : JSON.stringify(item.body.subarray(0, 300).toString('latin1'))}`;
      return Object.defineProperty<HttpCase>(item, fc.toStringMethod, { value: () => printed });
    });
}
