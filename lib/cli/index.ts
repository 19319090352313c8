#!/usr/bin/env node
// The myoperator-webhooks command: `simulate` plays whole calls against a webhook URL, `send` sends one payload,
// `queue` reads or re-runs a BullMQQueue; it exits 0 on success (every answer 2xx), 1 when not, 2 on bad usage.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

import { UsageError } from './args';
import { mainHelp, queueHelp, sendHelp, simulateHelp } from './help';
import { queue } from './queue';
import type { CliOutput } from './report';
import { send } from './send';
import { simulate } from './simulate';

const BIN = 'myoperator-webhooks';

/** The package's version, from the package.json above this file (lib/ when run from source, dist/cjs/ built). */
function packageVersion(): string {
  let directory = __dirname;
  for (let depth = 0; depth < 5; depth++) {
    const file = join(directory, 'package.json');
    if (existsSync(file)) {
      const manifest = JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown; version?: unknown };
      if (manifest.name === BIN && typeof manifest.version === 'string') return manifest.version;
    }
    directory = dirname(directory);
  }
  return 'unknown';
}

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const HELP: Readonly<Record<string, () => string>> = {
  simulate: simulateHelp,
  send: sendHelp,
  queue: queueHelp,
};

/**
 * Runs the CLI with the arguments after the program name; resolves the exit code.
 * @example process.exitCode = await main(process.argv.slice(2), output);
 */
export async function main(argv: readonly string[], output: CliOutput): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'simulate':
        return await simulate(rest, output, () => output.out(simulateHelp()));
      case 'send':
        return await send(rest, output, () => output.out(sendHelp()), readStdin);
      case 'queue':
        return await queue(rest, output, () => output.out(queueHelp()));
      case undefined:
      case 'help':
      case '-h':
      case '--help': {
        const topic = command === 'help' ? rest[0] : undefined;
        if (topic !== undefined && !Object.hasOwn(HELP, topic)) throw new UsageError(`no command "${topic}"`);
        output.out(topic === undefined ? mainHelp(packageVersion()) : (HELP[topic]?.() ?? ''));
        return command === undefined ? 2 : 0;
      }
      case '-v':
      case '--version':
        output.out(packageVersion());
        return 0;
      default:
        throw new UsageError(`unknown command "${command}" (commands: simulate, send, queue, help)`);
    }
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    output.err(`${BIN}: ${error.message}`);
    output.err(`Run "${BIN} ${error.command === null ? '' : `${error.command} `}--help" for usage.`);
    return 2;
  }
}

if (require.main === module) {
  const output: CliOutput = {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    color: process.stdout.isTTY && process.env.NO_COLOR === undefined,
    // The progress bar only where a person watches: both streams on a terminal.
    terminal:
      process.stdout.isTTY && process.stderr.isTTY
        ? { write: (text) => process.stderr.write(text), columns: process.stderr.columns || 80 }
        : undefined,
  };
  main(process.argv.slice(2), output).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`${BIN}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
