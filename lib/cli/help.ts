// The CLI's help texts, built from the commands' option tables and the scenario table so they cannot drift.

import { SCENARIO_NAMES, SCENARIOS } from '../testing';
import type { OptionSpec } from './args';
import { QUEUE_OPTIONS } from './queue';
import { SEND_OPTIONS } from './send';
import { SIMULATE_OPTIONS } from './simulate';

const BIN = 'myoperator-webhooks';

function optionLines(specs: readonly OptionSpec[]): string[] {
  const rows = [
    ...specs.map((spec) => [
      `--${spec.name}${spec.placeholder ? ` ${spec.placeholder}` : ''}`,
      spec.default === undefined ? spec.description : `${spec.description} (default: ${spec.default})`,
    ]),
    ['-h, --help', 'show this help'],
  ];
  const width = Math.max(...rows.map(([left]) => (left ?? '').length));
  return rows.map(([left, right]) => `  ${(left ?? '').padEnd(width)}  ${right ?? ''}`);
}

function scenarioLines(): string[] {
  const width = Math.max(...SCENARIO_NAMES.map((name) => name.length), 3);
  const rows = SCENARIO_NAMES.map((name) => {
    const scenario = SCENARIOS[name];
    const states = `states ${scenario.states.join(', ')}${scenario.afterCall ? ' + after-call' : ''}`;
    return `  ${name.padEnd(width)}  ${states.padEnd(30)}  ${scenario.description}`;
  });
  rows.push(`  ${'all'.padEnd(width)}  ${'every scenario above'.padEnd(30)}  with --calls N: N calls of each`);
  return rows;
}

const EXIT_CODES =
  'Exit status: 0 when every answer was 2xx; 1 when one was not, none came, or the URL cannot be reached; 2 on bad usage.';

/** `myoperator-webhooks --help`. */
export function mainHelp(version: string): string {
  return [
    `${BIN} ${version}: MyOperator call webhooks, simulated`,
    '',
    'Usage:',
    `  ${BIN} simulate <scenario> --url <url> [options]   play whole calls the way MyOperator would`,
    `  ${BIN} send <file> --url <url> [options]           send one payload (JSON or not)`,
    `  ${BIN} queue status|retry --redis <url> [options]  a BullMQQueue's job counts, or re-run its failed jobs`,
    `  ${BIN} help [command]                              this help, or a command's`,
    '',
    'Scenarios:',
    ...scenarioLines(),
    '',
    'Example:',
    `  ${BIN} simulate answered --url http://127.0.0.1:3000/myoperator/incall \\`,
    `    --header "my-super-secret-token: abc123def" --calls 5 --delay 500`,
    '',
    `Run "${BIN} <command> --help" for a command's options.`,
    EXIT_CODES,
  ].join('\n');
}

/** `myoperator-webhooks simulate --help`. */
export function simulateHelp(): string {
  return [
    `Usage: ${BIN} simulate <scenario> --url <url> [options]`,
    '',
    'Plays whole calls against a webhook URL, as MyOperator sends them: one request per call state, with one uid',
    'per call and realistic times, then the after-call log. Prints every request with its status, and a summary.',
    '',
    'Scenarios:',
    ...scenarioLines(),
    '',
    'Options:',
    ...optionLines(SIMULATE_OPTIONS),
    '',
    'Examples:',
    `  ${BIN} simulate answered --url http://127.0.0.1:3000/myoperator/incall --header "my-super-secret-token: abc123def"`,
    `  ${BIN} simulate all --url https://example.com/hook --basic admin:123456 --calls 3 --format json`,
    `  ${BIN} simulate missed --url https://example.com/hook --method GET --query caller=callerNumber \\`,
    '    --query state="Call state" --query uid=uid',
    `  ${BIN} simulate answered --url https://example.com/hook --calls 200 --concurrency 20 --duplicate --quiet`,
    '',
    EXIT_CODES,
  ].join('\n');
}

/** `myoperator-webhooks send --help`. */
export function sendHelp(): string {
  return [
    `Usage: ${BIN} send <file> --url <url> [options]`,
    '',
    'Sends one payload from a file ("-" reads stdin): an in-call or after-call log (as the form body',
    'myoperator=<log>), a Webhook v2 event (as JSON), or anything else, JSON or not (a file that is not JSON is',
    'sent raw, as it is, with --content-type), to see how the receiver answers it.',
    '',
    'Options:',
    ...optionLines(SEND_OPTIONS),
    '',
    'Examples:',
    `  ${BIN} send call-log.json --url http://127.0.0.1:3000/myoperator/incall --header "my-super-secret-token: abc123def"`,
    `  ${BIN} send captured-body.txt --url https://example.com/hook --content-type application/x-www-form-urlencoded`,
    '',
    EXIT_CODES,
  ].join('\n');
}

/** `myoperator-webhooks queue --help`. */
export function queueHelp(): string {
  return [
    `Usage: ${BIN} queue status|retry --redis <url> --name <queue> [--prefix <p>] [--json]`,
    '',
    'The queue of durable delivery (BullMQQueue from myoperator-webhooks/bullmq; needs bullmq and ioredis):',
    '  status  how many jobs are waiting, active, delayed, failed and completed',
    '  retry   move every failed job back to the queue, with its attempts reset, and print how many moved',
    '',
    'Options:',
    ...optionLines(QUEUE_OPTIONS),
    '',
    'Examples:',
    `  ${BIN} queue status --redis redis://127.0.0.1:6379 --name calls`,
    `  ${BIN} queue retry --redis "$REDIS_URL" --name calls --json   # {"retried":3}`,
    '',
    'Exit status: 0 on success, 1 when Redis cannot be reached or refuses, 2 on bad usage.',
  ].join('\n');
}
