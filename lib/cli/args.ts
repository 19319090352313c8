// The command line, parsed without a framework: `--name value`, `--name=value`, repeatable options, flags and
// positionals, checked against each command's table of options. Bad usage throws a UsageError (exit code 2).

/** A mistake in the command line: the CLI prints the message and a pointer to `--help`, then exits 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';

  constructor(
    message: string,
    /** The command whose help to point at, when known. */
    readonly command: string | null = null,
  ) {
    super(message);
  }
}

/** One option of a command. */
export interface OptionSpec {
  /** Without the dashes: `url`, `header`. */
  readonly name: string;
  /** `value`: takes a value; `list`: takes a value and may repeat; `flag`: takes none. */
  readonly kind: 'value' | 'list' | 'flag';
  /** The value's placeholder in help, `<url>`. */
  readonly placeholder?: string;
  readonly description: string;
  /** The value used when the option is not given, shown in help as `(default: ...)`. */
  readonly default?: string;
}

/** A parsed command line: positionals, the last value of each `value` option, all values of `list` options. */
export interface ParsedArgs {
  positionals: string[];
  values: Map<string, string>;
  lists: Map<string, string[]>;
  flags: Set<string>;
}

/** Parses the arguments after the command name. `-h` / `--help` is always known (as the flag `help`). */
export function parseArgs(command: string, argv: readonly string[], specs: readonly OptionSpec[]): ParsedArgs {
  const byName = new Map(specs.map((spec) => [spec.name, spec]));
  const parsed: ParsedArgs = { positionals: [], values: new Map(), lists: new Map(), flags: new Set() };
  let onlyPositionals = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (onlyPositionals || !arg.startsWith('-') || arg === '-') {
      parsed.positionals.push(arg);
      continue;
    }
    if (arg === '--') {
      onlyPositionals = true;
      continue;
    }
    if (arg === '-h' || arg === '--help') {
      parsed.flags.add('help');
      continue;
    }
    if (!arg.startsWith('--')) throw new UsageError(`unknown option "${arg}"`, command);
    const equals = arg.indexOf('=');
    const name = arg.slice(2, equals < 0 ? undefined : equals);
    const spec = byName.get(name);
    if (!spec) {
      const near = specs.find((candidate) => candidate.name.startsWith(name) || name.startsWith(candidate.name));
      throw new UsageError(`unknown option "--${name}"${near ? ` (did you mean --${near.name}?)` : ''}`, command);
    }
    if (spec.kind === 'flag') {
      if (equals >= 0) throw new UsageError(`--${name} takes no value`, command);
      parsed.flags.add(name);
      continue;
    }
    let value: string;
    if (equals >= 0) value = arg.slice(equals + 1);
    else {
      const next = argv[i + 1];
      if (next === undefined || (next.startsWith('--') && next.length > 2)) {
        throw new UsageError(`--${name} needs a value ${spec.placeholder ?? ''}`.trimEnd(), command);
      }
      value = next;
      i++;
    }
    if (spec.kind === 'list') parsed.lists.set(name, [...(parsed.lists.get(name) ?? []), value]);
    else parsed.values.set(name, value);
  }
  return parsed;
}

/** A whole number option within bounds, or its default. */
export function integerValue(
  command: string,
  args: ParsedArgs,
  name: string,
  fallback: number,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  const text = args.values.get(name);
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text.trim())) throw new UsageError(`--${name} must be a whole number, got "${text}"`, command);
  const value = Number(text.trim());
  if (value < min || value > max) {
    throw new UsageError(`--${name} must be between ${min} and ${max}, got ${value}`, command);
  }
  return value;
}

/** An option whose value is one of a few words (compared case-insensitively), or its default. */
export function choiceValue<T extends string>(
  command: string,
  args: ParsedArgs,
  name: string,
  choices: readonly T[],
  fallback: T,
): T {
  const text = args.values.get(name);
  if (text === undefined) return fallback;
  const found = choices.find((choice) => choice.toLowerCase() === text.trim().toLowerCase());
  if (!found) throw new UsageError(`--${name} must be one of ${choices.join(', ')}, got "${text}"`, command);
  return found;
}
