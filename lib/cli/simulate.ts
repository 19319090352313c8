// `myoperator-webhooks simulate <scenario>`: plays whole calls (lib/testing's scenarios) against a URL the way
// MyOperator would, several calls at once if asked, and reports every answer.

import { randomInt } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

import {
  buildScenario,
  isScenarioName,
  SCENARIO_FORMATS,
  SCENARIO_NAMES,
  type ScenarioCall,
  type ScenarioFormat,
  type ScenarioName,
} from '../testing';
import { choiceValue, integerValue, parseArgs, UsageError, type OptionSpec } from './args';
import { Reporter, type CliOutput } from './report';
import { deliver, readTarget, TARGET_OPTIONS, type Target } from './target';

const COMMAND = 'simulate';

/** The options of `simulate`, in help order. */
export const SIMULATE_OPTIONS: readonly OptionSpec[] = [
  ...TARGET_OPTIONS,
  {
    name: 'format',
    kind: 'value',
    placeholder: 'incall-v1|json|v2',
    description: 'incall-v1: the form body myoperator=<log>; json: the log as a JSON body; v2: Webhook v2 events',
    default: 'incall-v1',
  },
  {
    name: 'calls',
    kind: 'value',
    placeholder: '<n>',
    description: 'how many calls to play (with "all": of each scenario)',
    default: '1',
  },
  {
    name: 'concurrency',
    kind: 'value',
    placeholder: '<n>',
    description: 'how many calls are in progress at once',
    default: '1',
  },
  {
    name: 'delay',
    kind: 'value',
    placeholder: '<ms>',
    description: 'pause between the events of a call',
    default: '0',
  },
  { name: 'duplicate', kind: 'flag', description: 'send every event twice, as a retrying MyOperator may' },
  { name: 'quiet', kind: 'flag', description: 'print only failed requests and the summary' },
  { name: 'json', kind: 'flag', description: 'print one JSON object per request, then the summary, one per line' },
];

interface SimulateSettings {
  scenarios: readonly ScenarioName[];
  format: ScenarioFormat;
  target: Target;
  calls: number;
  concurrency: number;
  delayMs: number;
  duplicate: boolean;
  quiet: boolean;
  json: boolean;
}

function readSettings(argv: readonly string[]): SimulateSettings | null {
  const args = parseArgs(COMMAND, argv, SIMULATE_OPTIONS);
  if (args.flags.has('help')) return null;
  const [scenario, ...extra] = args.positionals;
  if (scenario === undefined) {
    throw new UsageError(`which scenario? one of: ${SCENARIO_NAMES.join(', ')}, all`, COMMAND);
  }
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0] ?? ''}"`, COMMAND);
  if (scenario !== 'all' && !isScenarioName(scenario)) {
    throw new UsageError(`unknown scenario "${scenario}" (scenarios: ${SCENARIO_NAMES.join(', ')}, all)`, COMMAND);
  }
  const target = readTarget(COMMAND, args);
  const format = choiceValue(COMMAND, args, 'format', SCENARIO_FORMATS, 'incall-v1');
  if (target.method === 'GET' && format !== 'incall-v1') {
    throw new UsageError(
      `--format ${format} sends a JSON body, which a GET webhook does not have (use POST, or --format incall-v1)`,
      COMMAND,
    );
  }
  return {
    scenarios: scenario === 'all' ? SCENARIO_NAMES : [scenario],
    format,
    target,
    calls: integerValue(COMMAND, args, 'calls', 1, 1, 1_000_000),
    concurrency: integerValue(COMMAND, args, 'concurrency', 1, 1, 1000),
    delayMs: integerValue(COMMAND, args, 'delay', 0, 0, 3_600_000),
    duplicate: args.flags.has('duplicate'),
    quiet: args.flags.has('quiet'),
    json: args.flags.has('json'),
  };
}

/** Plays one call: its events in order, each once or twice, with the delay between events. */
async function playCall(
  call: ScenarioCall,
  number: number,
  settings: SimulateSettings,
  reporter: Reporter,
): Promise<void> {
  for (const [index, step] of call.steps.entries()) {
    if (index > 0 && settings.delayMs > 0) await sleep(settings.delayMs);
    const sends = settings.duplicate ? 2 : 1;
    for (let send = 0; send < sends; send++) {
      // The target cannot be reached (another call found out): send nothing more.
      if (reporter.stopped) return;
      const delivery = await deliver(settings.target, step.payload, { encoding: step.encoding });
      reporter.record({
        call: number,
        scenario: call.scenario,
        uid: call.uid,
        step: step.label,
        event: step.event,
        repeat: send > 0,
        delivery,
      });
    }
  }
}

/** Runs `simulate`; resolves the exit code. */
export async function simulate(argv: readonly string[], output: CliOutput, help: () => void): Promise<number> {
  const settings = readSettings(argv);
  if (settings === null) {
    help();
    return 0;
  }
  const { scenarios, format, target } = settings;
  const total = settings.calls * scenarios.length;
  const perSend = settings.duplicate ? 2 : 1;
  const requests = scenarios.reduce(
    (sum, name) => sum + buildScenario(name, { format }).steps.length * settings.calls * perSend,
    0,
  );
  const what = `${total} ${scenarios.length === 1 ? `${scenarios[0] ?? ''} ` : ''}call${total === 1 ? '' : 's'}`;
  const how = `${format}, ${target.method}${settings.duplicate ? ', each event twice' : ''}`;
  const reporter = new Reporter(output, {
    quiet: settings.quiet,
    json: settings.json,
    totalRequests: requests,
    target,
  });
  reporter.say(`Playing ${what} (${how}, ${requests} requests) -> ${target.url.origin}${target.url.pathname}`);
  reporter.say('');
  // One uid per call: the start time's epoch (as MyOperator's uids carry) and a sequence unique to this run.
  const sequenceBase = randomInt(1_000_000, 9_000_000);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < total && !reporter.stopped) {
      const index = next++;
      const name = scenarios[index % scenarios.length] ?? 'answered';
      const startedAt = new Date();
      const call = buildScenario(name, {
        format,
        index,
        startedAt,
        uid: `n2.${Math.floor(startedAt.getTime() / 1000)}.${sequenceBase + index}`,
      });
      await playCall(call, index + 1, settings, reporter);
    }
  };
  await Promise.all(Array.from({ length: Math.min(settings.concurrency, total) }, worker));
  return reporter.finish(`${what} (${how})`);
}
