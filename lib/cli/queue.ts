// `myoperator-webhooks queue status|retry`: the job counts of a BullMQQueue, and re-running its failed set.
// bullmq and ioredis are loaded only here, when the command runs: the other commands never need them.

import type { BullMQQueue as BullMQQueueClass } from '../bullmq';
import { parseArgs, UsageError, type OptionSpec } from './args';
import type { CliOutput } from './report';

const COMMAND = 'queue';
const ACTIONS = ['status', 'retry'] as const;
type QueueAction = (typeof ACTIONS)[number];

/** The options of `queue`, in help order. */
export const QUEUE_OPTIONS: readonly OptionSpec[] = [
  {
    name: 'redis',
    kind: 'value',
    placeholder: '<url>',
    description: 'the Redis the queue lives on (redis:// or rediss://)',
  },
  { name: 'name', kind: 'value', placeholder: '<queue>', description: 'the queue name given to BullMQQueue' },
  { name: 'prefix', kind: 'value', placeholder: '<p>', description: 'the key prefix given to BullMQQueue (bull)' },
  { name: 'json', kind: 'flag', description: 'print one JSON object' },
];

/** How long the command waits for Redis to connect, and for any one command, before it gives up (exit 1). */
const TIMEOUT_MS = 10_000;

interface QueueSettings {
  action: QueueAction;
  url: URL;
  name: string;
  prefix: string | undefined;
  json: boolean;
}

function readSettings(argv: readonly string[]): QueueSettings | null {
  const args = parseArgs(COMMAND, argv, QUEUE_OPTIONS);
  if (args.flags.has('help')) return null;
  const [action, ...extra] = args.positionals;
  if (action === undefined) throw new UsageError(`which action? queue ${ACTIONS.join('|')}`, COMMAND);
  if (!(ACTIONS as readonly string[]).includes(action)) {
    throw new UsageError(`unknown action "${action}" (actions: ${ACTIONS.join(', ')})`, COMMAND);
  }
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0] ?? ''}"`, COMMAND);
  const redis = args.values.get('redis');
  if (redis === undefined) throw new UsageError('--redis <url> is required', COMMAND);
  let url: URL;
  try {
    url = new URL(redis);
  } catch {
    throw new UsageError('--redis must be a redis:// or rediss:// URL', COMMAND);
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new UsageError('--redis must be a redis:// or rediss:// URL', COMMAND);
  }
  const name = args.values.get('name');
  if (name === undefined || name === '') throw new UsageError('--name <queue> is required', COMMAND);
  if (name.includes(':')) throw new UsageError('--name must not contain ":"', COMMAND);
  const prefix = args.values.get('prefix');
  if (prefix === '') throw new UsageError('--prefix must not be empty', COMMAND);
  return { action: action as QueueAction, url, name, prefix, json: args.flags.has('json') };
}

/** The URL without its credentials, for messages. */
function describeUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname === '/' ? '' : url.pathname}`;
}

/** Why the command could not run: printed as one line, exit code 1. */
class QueueCommandError extends Error {}

function isMissingModule(error: unknown): boolean {
  const { code, message } = error as { code?: unknown; message?: unknown };
  return (
    code === 'MODULE_NOT_FOUND' && typeof message === 'string' && /Cannot find module '(bullmq|ioredis)'/.test(message)
  );
}

/** The BullMQQueue class: loaded now, so that a user without bullmq can run every other command. */
function loadBullMQQueue(): typeof BullMQQueueClass {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only by this command
    return (require('../bullmq') as { BullMQQueue: typeof BullMQQueueClass }).BullMQQueue;
  } catch (error) {
    if (isMissingModule(error)) {
      throw new QueueCommandError('the queue command needs bullmq and ioredis: npm install bullmq ioredis');
    }
    throw error;
  }
}

const COUNT_NAMES = ['waiting', 'active', 'delayed', 'failed', 'completed'] as const;

/** Runs `queue`; resolves the exit code. */
export async function queue(argv: readonly string[], output: CliOutput, help: () => void): Promise<number> {
  const settings = readSettings(argv);
  if (settings === null) {
    help();
    return 0;
  }
  const where = `"${settings.name}" on ${describeUrl(settings.url)}`;
  let opened: BullMQQueueClass | null = null;
  try {
    const BullMQQueue = loadBullMQQueue();
    opened = new BullMQQueue({
      // One try to connect, and a bound on every command: a Redis that is down or stalled is reported, not awaited.
      connection: {
        url: settings.url.href,
        retryStrategy: () => null,
        connectTimeout: TIMEOUT_MS,
        commandTimeout: TIMEOUT_MS,
        // ioredis keeps a socket it could not open for this long before letting the process exit.
        disconnectTimeout: 100,
      },
      name: settings.name,
      ...(settings.prefix === undefined ? {} : { prefix: settings.prefix }),
    });
    if (settings.action === 'status') {
      const counts = await opened.counts();
      if (settings.json) output.out(JSON.stringify(counts));
      else {
        output.out(`Queue ${where}${settings.prefix === undefined ? '' : ` (prefix ${settings.prefix})`}:`);
        for (const state of COUNT_NAMES) output.out(`  ${state.padEnd(10)} ${counts[state]}`);
      }
    } else {
      const retried = await opened.retryFailed();
      if (settings.json) output.out(JSON.stringify({ retried }));
      else output.out(`Moved ${retried} failed job${retried === 1 ? '' : 's'} of ${where} back to be run again.`);
    }
    return 0;
  } catch (error) {
    const reason = error instanceof QueueCommandError ? error.message : `queue ${where}: ${errorText(error)}`;
    output.err(`myoperator-webhooks: ${reason}`);
    return 1;
  } finally {
    await opened?.close().catch(() => {});
  }
}

/** One line about a failure (ioredis and BullMQ messages name the host and port, never the password). */
function errorText(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const line = message.split('\n')[0] ?? '';
  return /ECONNREFUSED|ENOTFOUND|ETIMEDOUT|EHOSTUNREACH|connect/i.test(line) ? `cannot reach Redis (${line})` : line;
}
