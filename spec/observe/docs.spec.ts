// The metric table of docs/observability.md lists exactly the metrics the package registers, with their types
// and labels, so the documentation cannot drift from the code.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { Registry } from 'prom-client';

import { DispatchMetrics } from '../../lib/observe/metrics';

function documentedMetrics(): string[] {
  const text = readFileSync(join(__dirname, '../../docs/observability.md'), 'utf8');
  const start = text.indexOf('<!-- metrics:table:start -->');
  const end = text.indexOf('<!-- metrics:table:end -->');
  expect(start).toBeGreaterThan(0);
  expect(end).toBeGreaterThan(start);
  return text
    .slice(start, end)
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .map((line) => {
      const [name, type, labels] = line
        .split('|')
        .slice(1, 4)
        .map((cell) => cell.trim());
      return `${name!.replaceAll('`', '')} ${type!} [${labels!.replaceAll('`', '')}]`;
    });
}

describe('docs/observability.md', () => {
  it('lists every metric with its type and labels, in registration order', () => {
    const registry = new Registry();
    new DispatchMetrics(registry);
    const registered = registry.getMetricsAsArray().map((metric) => {
      const { name, type, labelNames } = metric as unknown as { name: string; type: string; labelNames: string[] };
      return `${name} ${type} [${labelNames.join(', ')}]`;
    });
    expect(documentedMetrics()).toEqual(registered);
  });
});
