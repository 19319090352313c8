// The observer must load and work in an app without prom-client or @opentelemetry/api (both optional peers),
// and its import graph must stay Web-standard, as the fetch entry (Workers, Deno) bundles it.

import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const LIB = resolve(__dirname, '../../lib');
const ENTRY = join(LIB, 'observe/create-observer.ts');

/** The package files `entry` loads at run time (type-only imports left out, as the compiler erases them). */
function importGraph(entry: string): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  const pending = [entry];
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (graph.has(file)) continue;
    const source = readFileSync(file, 'utf8');
    const specifiers = [
      ...source.matchAll(/^\s*(?:import|export)\s+(?!type\s)(?:[^'";]*?\sfrom\s+)?'([^']+)'/gm),
      ...source.matchAll(/\b(?:require|import)\(\s*'([^']+)'\s*\)/g),
    ].map((match) => match[1]!);
    graph.set(file, specifiers);
    for (const specifier of specifiers) {
      if (specifier.startsWith('.')) {
        const target = resolve(dirname(file), specifier);
        pending.push(target.endsWith('.ts') ? target : `${target}.ts`);
      }
    }
  }
  return graph;
}

/** Source without comments and string contents, for looking for identifiers. */
function code(file: string): string {
  return readFileSync(file, 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/\/\/.*$/gm, '')
    .replace(/'(?:[^'\\\n]|\\.)*'|`(?:[^`\\]|\\.)*`/g, "''");
}

describe('the observer\u2019s import graph', () => {
  const graph = importGraph(ENTRY);

  it('covers the observer, its metrics, tracing and logger', () => {
    const files = [...graph.keys()].map((file) => relative(LIB, file)).sort();
    expect(files).toEqual(
      expect.arrayContaining([
        'observe/create-observer.ts',
        'observe/logger.ts',
        'observe/metrics.ts',
        'observe/observer.ts',
        'observe/tracing.ts',
      ]),
    );
  });

  it('imports only package files: no node:* module, no prom-client, no @opentelemetry package', () => {
    const outside = [...graph.entries()].flatMap(([file, specifiers]) =>
      specifiers
        .filter((specifier) => !specifier.startsWith('.'))
        .map((specifier) => `${relative(LIB, file)}: ${specifier}`),
    );
    expect(outside).toEqual([]);
  });

  it('uses neither Buffer nor process', () => {
    const found = [...graph.keys()].filter((file) => /\b(?:Buffer|process)\b/.test(code(file)));
    expect(found.map((file) => relative(LIB, file))).toEqual([]);
  });
});

describe('the observer without prom-client and @opentelemetry/api installed', () => {
  it('loads, and counts into any registry with the two methods', async () => {
    jest.resetModules();
    const refuse = (name: string) => () => {
      throw new Error(`${name} must not be loaded`);
    };
    jest.doMock('prom-client', refuse('prom-client'));
    jest.doMock('@opentelemetry/api', refuse('@opentelemetry/api'));
    try {
      const { createObserver } = jest.requireActual<typeof import('../../lib/observe/create-observer')>(
        '../../lib/observe/create-observer',
      );
      const { SafeLogger } = jest.requireActual<typeof import('../../lib/observe/logger')>('../../lib/observe/logger');
      const { buildCallEvent } = jest.requireActual<typeof import('../../lib/testing')>('../../lib/testing');
      const metrics = new Map<string, { get(): Promise<{ values: { value: number }[] }> }>();
      const registry = {
        registerMetric: (metric: { name: string; get(): Promise<{ values: { value: number }[] }> }) =>
          metrics.set(metric.name, metric),
        getSingleMetric: (name: string) => metrics.get(name),
      };
      const observer = createObserver({ metrics: registry, logger: new SafeLogger(false) });
      const seen = observer.event(buildCallEvent(), null);
      seen.recorded(false, 1);
      seen.end('handled');
      expect(metrics.size).toBe(10);
      const events = await metrics.get('myoperator_webhook_events_total')!.get();
      expect(events.values.map(({ value }) => value)).toEqual([1]);
    } finally {
      jest.dontMock('prom-client');
      jest.dontMock('@opentelemetry/api');
      jest.resetModules();
    }
  });
});
