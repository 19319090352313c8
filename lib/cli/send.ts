// `myoperator-webhooks send <file.json>`: sends one payload (a call log, an after-call log, a v2 event, or
// anything else to see how the receiver answers it) and reports the answer.

import { readFile } from 'node:fs/promises';

import { choiceValue, parseArgs, UsageError, type OptionSpec } from './args';
import { Reporter, type CliOutput } from './report';
import { deliver, readTarget, TARGET_OPTIONS } from './target';
import { buildCallEvent, type WebhookBodyEncoding } from '../testing';

const COMMAND = 'send';

const ENCODINGS: readonly WebhookBodyEncoding[] = ['form', 'raw-form', 'json', 'json-wrapped', 'json-string'];

/** The options of `send`, in help order. */
export const SEND_OPTIONS: readonly OptionSpec[] = [
  ...TARGET_OPTIONS,
  {
    name: 'encoding',
    kind: 'value',
    placeholder: ENCODINGS.join('|'),
    description: 'how the body carries it (json for a v2 event, else form)',
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

async function readPayload(file: string, stdin: () => Promise<string>): Promise<unknown> {
  let text: string;
  try {
    text = file === '-' ? await stdin() : await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw new UsageError(`cannot read "${file}"${typeof code === 'string' ? ` (${code})` : ''}`, COMMAND);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new UsageError(`"${file}" is not JSON`, COMMAND);
  }
}

/** Runs `send`; resolves the exit code. */
export async function send(
  argv: readonly string[],
  output: CliOutput,
  help: () => void,
  stdin: () => Promise<string>,
): Promise<number> {
  const args = parseArgs(COMMAND, argv, SEND_OPTIONS);
  if (args.flags.has('help')) {
    help();
    return 0;
  }
  const [file, ...extra] = args.positionals;
  if (file === undefined) throw new UsageError('which file? send <file.json> (or - for stdin)', COMMAND);
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0] ?? ''}"`, COMMAND);
  const target = readTarget(COMMAND, args);
  const payload = await readPayload(file, stdin);
  const isV2 = typeof payload === 'object' && payload !== null && Object.hasOwn(payload, 'event_type');
  const encoding = choiceValue(COMMAND, args, 'encoding', ENCODINGS, isV2 ? 'json' : 'form');

  const sends = args.flags.has('duplicate') ? 2 : 1;
  const described = describePayload(payload);
  const reporter = new Reporter(output, { quiet: false, json: args.flags.has('json'), totalRequests: sends });
  const how = target.method === 'POST' ? `POST, ${encoding}` : 'GET';
  reporter.say(`Sending ${file} (${how}) -> ${target.url.origin}${target.url.pathname}`);
  reporter.say('');
  for (let index = 0; index < sends; index++) {
    const delivery = await deliver(target, payload, encoding);
    reporter.record({ call: null, scenario: 'send', ...described, step: file, repeat: index > 0, delivery });
  }
  return reporter.finish(file);
}
