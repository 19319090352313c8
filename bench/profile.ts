// Summarises a V8 .cpuprofile (`BENCH_PROFILE=1`): the functions with the most self time, and the package's own
// functions by total time. Usage: `npx tsx bench/profile.ts bench/results/profiles/<variant>/<file>.cpuprofile`.

import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function label(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const file = url
    .replace(/^file:\/\//, '')
    .replace(/^.*\/node_modules\//, '~/')
    .replace(/^.*\/work\/main\//, '');
  return `${functionName || '(anonymous)'} ${file}${file ? `:${lineNumber + 1}` : ''}`;
}

function main(): void {
  const [file, topText] = process.argv.slice(2);
  if (!file) throw new Error('usage: tsx bench/profile.ts <file.cpuprofile> [top]');
  const top = Number(topText ?? 30);
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

  const self = new Map<string, number>();
  const total = new Map<string, number>();
  let all = 0;
  let idle = 0;
  profile.samples.forEach((id, index) => {
    const delta = profile.timeDeltas[index] ?? 0;
    const node = byId.get(id);
    if (!node) return;
    all += delta;
    if (node.callFrame.functionName === '(idle)') idle += delta;
    self.set(label(node), (self.get(label(node)) ?? 0) + delta);
    // Inclusive time, each function counted once per sample however deep it recurses.
    const seen = new Set<string>();
    let cursor: number | undefined = id;
    for (let depth = 0; cursor !== undefined && depth < 1000; depth++) {
      const frame = byId.get(cursor)!;
      const name = label(frame);
      if (!seen.has(name)) {
        seen.add(name);
        total.set(name, (total.get(name) ?? 0) + delta);
      }
      cursor = parent.get(cursor);
    }
  });
  const busy = all - idle;
  const percent = (value: number): string => `${((100 * value) / busy).toFixed(1).padStart(5)}%`;
  console.log(`${file}: ${(all / 1e6).toFixed(1)} s sampled, ${(idle / 1e6).toFixed(1)} s idle; % of busy time`);
  console.log('\nself time:');
  for (const [name, value] of [...self]
    .filter(([name]) => !name.startsWith('(idle)'))
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)) {
    console.log(`  ${percent(value)}  ${name}`);
  }
  console.log('\ntotal time, functions of dist/ (the package):');
  for (const [name, value] of [...total]
    .filter(([name]) => name.includes('dist/'))
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)) {
    console.log(`  ${percent(value)}  ${name}`);
  }
}

main();
