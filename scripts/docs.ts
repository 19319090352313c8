// Regenerates the README's tables that the code owns (call events, errors, query fields) between their
// markers, so the docs cannot drift from the one table in lib/call-states.ts. `--check` only compares.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { CALL_EVENTS, ERROR_CODES, QUERY_FIELDS, type ErrorCode } from '../lib';

const README = join(__dirname, '..', 'README.md');

function row(cells: readonly string[]): string {
  return `| ${cells.join(' | ')} |`;
}

function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  return [row(head), row(head.map(() => '---')), ...rows.map(row)].join('\n');
}

const code = (value: string): string => `\`${value}\``;

/** The generated blocks, by marker name. */
export function generatedBlocks(): Record<string, string> {
  const v2 = (entry: object): string => {
    const types = (entry as { v2EventTypes?: readonly string[] }).v2EventTypes ?? [];
    return types.length === 0 ? '' : types.map(code).join(', ');
  };
  return {
    'call-events': table(
      ['`callState`', '`name`', 'handler', 'v2 `event_type`', 'meaning', 'calls'],
      CALL_EVENTS.map((entry) => [
        entry.callState === null ? '' : String(entry.callState),
        code(entry.name),
        code(entry.handler),
        v2(entry),
        entry.description,
        entry.callTypes,
      ]),
    ),
    errors: table(
      ['status', '`code`', 'when', 'message'],
      (Object.keys(ERROR_CODES) as ErrorCode[]).map((name) => [
        String(ERROR_CODES[name].status),
        code(name),
        ERROR_CODES[name].when,
        ERROR_CODES[name].message,
      ]),
    ),
    'query-fields': table(
      ['key', 'panel label'],
      QUERY_FIELDS.map((field) => [code(field.key), field.label]),
    ),
  };
}

/** The README with every generated block replaced. */
export function renderReadme(readme: string): string {
  let result = readme;
  for (const [name, block] of Object.entries(generatedBlocks())) {
    const start = `<!-- generated:${name} -->`;
    const end = `<!-- /generated:${name} -->`;
    const from = result.indexOf(start);
    const to = result.indexOf(end);
    if (from < 0 || to < from) throw new Error(`README.md has no ${start} ... ${end} block`);
    result = `${result.slice(0, from + start.length)}\n${block}\n${result.slice(to)}`;
  }
  return result;
}

if (require.main === module) {
  const current = readFileSync(README, 'utf8');
  const next = renderReadme(current);
  if (process.argv.includes('--check')) {
    if (next !== current) {
      console.error('README.md tables are out of date: run `npx tsx scripts/docs.ts`');
      process.exitCode = 1;
    }
  } else {
    writeFileSync(README, next);
    console.log(next === current ? 'README.md tables already current' : 'README.md tables regenerated');
  }
}
