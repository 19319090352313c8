// `myoperator-webhooks send <file>`: sends one payload (a call log, an after-call log, a v2 event, or anything
// else, JSON or not, to see how the receiver answers it) and reports the answer.

import { readFile } from 'node:fs/promises';

import { buildCallEvent, WEBHOOK_BODY_ENCODINGS, type WebhookBodyEncoding } from '../testing';
import { choiceValue, parseArgs, UsageError, type OptionSpec } from './args';
import { Reporter, type CliOutput } from './report';
import { deliver, readTarget, TARGET_OPTIONS, type DeliveryBody } from './target';

const COMMAND = 'send';

/** The builders' encodings, and `raw`: the file's bytes as they are. */
const ENCODINGS: readonly (WebhookBodyEncoding | 'raw')[] = [...WEBHOOK_BODY_ENCODINGS, 'raw'];

/** The options of `send`, in help order. */
export const SEND_OPTIONS: readonly OptionSpec[] = [
  ...TARGET_OPTIONS,
  {
    name: 'encoding',
    kind: 'value',
    placeholder: ENCODINGS.join('|'),
    description: 'how the body carries the file; raw: its bytes as they are',
    default: 'json for a v2 event, form for other JSON, raw for a file that is not JSON',
  },
  {
    name: 'content-type',
    kind: 'value',
    placeholder: '<type>',
    description: "the body's Content-Type, in place of the encoding's",
    default: 'for raw: application/json, a form type for name=value text, else text/plain',
  },
  { name: 'duplicate', kind: 'flag', description: 'send it twice, as a retrying MyOperator may' },
  { name: 'json', kind: 'flag', description: 'print the result as JSON lines' },
];

/** The uid and event name the package reads from a payload, to label the report; nulls if it reads none. */
function describePayload(payload: unknown): { uid: string | null; event: string | null } {
  try {
    const event = buildCallEvent(payload);
    return { uid: event.uid, event: event.name };
  } catch {
    return { uid: null, event: null };
  }
}

/** A file's bytes, and its JSON value when it is JSON. */
interface Payload {
  bytes: Buffer;
  text: string;
  json: { value: unknown } | null;
}

async function readPayload(file: string, stdin: () => Promise<Buffer>): Promise<Payload> {
  let bytes: Buffer;
  try {
    bytes = file === '-' ? await stdin() : await readFile(file);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw new UsageError(`cannot read "${file}"${typeof code === 'string' ? ` (${code})` : ''}`, COMMAND);
  }
  const text = bytes.toString('utf8');
  try {
    return { bytes, text, json: { value: JSON.parse(text) as unknown } };
  } catch {
    return { bytes, text, json: null };
  }
}

const FORM_TEXT = /^[^=&\s]+=[^&\s]*(&[^=&\s]+=[^&\s]*)*\s*$/;

/** The Content-Type of a raw body: JSON, a form body (`name=value&...`), or text. */
function rawContentType(payload: Payload): string {
  if (payload.json !== null) return 'application/json';
  return FORM_TEXT.test(payload.text) ? 'application/x-www-form-urlencoded' : 'text/plain; charset=utf-8';
}

/** Runs `send`; resolves the exit code. */
export async function send(
  argv: readonly string[],
  output: CliOutput,
  help: () => void,
  stdin: () => Promise<Buffer>,
): Promise<number> {
  const args = parseArgs(COMMAND, argv, SEND_OPTIONS);
  if (args.flags.has('help')) {
    help();
    return 0;
  }
  const [file, ...extra] = args.positionals;
  if (file === undefined) throw new UsageError('which file? send <file> (or - for stdin)', COMMAND);
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0] ?? ''}"`, COMMAND);
  const target = readTarget(COMMAND, args);
  const contentType = args.values.get('content-type');
  if (target.method === 'GET' && (args.values.has('encoding') || contentType !== undefined)) {
    throw new UsageError('a GET webhook has no body: --encoding and --content-type are for POST', COMMAND);
  }
  if (contentType !== undefined && !/^[\w.+-]+\/[\w.+-]+(\s*;.*)?$/.test(contentType.trim())) {
    throw new UsageError(`--content-type must look like type/subtype, got "${contentType}"`, COMMAND);
  }
  const payload = await readPayload(file, stdin);
  const value = payload.json === null ? payload.text : payload.json.value;
  const isV2 = typeof value === 'object' && value !== null && Object.hasOwn(value, 'event_type');
  const encoding = choiceValue(
    COMMAND,
    args,
    'encoding',
    ENCODINGS,
    payload.json === null ? 'raw' : isV2 ? 'json' : 'form',
  );
  const body: DeliveryBody =
    encoding === 'raw'
      ? { raw: payload.bytes, contentType: contentType?.trim() ?? rawContentType(payload) }
      : { encoding, ...(contentType === undefined ? {} : { contentType: contentType.trim() }) };

  const sends = args.flags.has('duplicate') ? 2 : 1;
  const described = describePayload(value);
  const reporter = new Reporter(output, { quiet: false, json: args.flags.has('json'), totalRequests: sends, target });
  const how = target.method === 'POST' ? `POST, ${encoding}${'raw' in body ? `, ${body.contentType}` : ''}` : 'GET';
  reporter.say(`Sending ${file} (${how}) -> ${target.url.origin}${target.url.pathname}`);
  reporter.say('');
  for (let index = 0; index < sends && !reporter.stopped; index++) {
    const delivery = await deliver(target, value, body);
    reporter.record({ call: null, scenario: 'send', ...described, step: file, repeat: index > 0, delivery });
  }
  return reporter.finish(file);
}
