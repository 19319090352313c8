// Summarises a V8 .cpuprofile: where the main thread's time goes by package (express, router, body-parser, node
// internals, myoperator-webhooks, ajv's compiled validators, GC...), the functions with the most self time, and the
// package's own functions by total time. The runner uses it for `--profile <variant>`; alone:
// `npx tsx bench/profile.ts <file.cpuprofile> [requests] [top]`.

import { readFileSync } from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  scriptId?: string | number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Node's own modules, in the few groups that say what the time is for. */
function nodeGroup(url: string): string {
  if (/^node:(_http_|internal\/http)/.test(url)) return 'node: http';
  if (/^node:(net|stream|internal\/(stream|streams\/|net|stream_base_commons))/.test(url)) {
    return 'node: net, streams (writev...)';
  }
  if (/^node:(events|timers|internal\/(timers|process\/task_queues|async_hooks))/.test(url)) {
    return 'node: events, timers, ticks';
  }
  if (/^node:(crypto|internal\/crypto)/.test(url)) return 'node: crypto (hashes, timingSafeEqual)';
  if (/^node:(querystring|url|string_decoder|buffer|internal\/(url|querystring|buffer))/.test(url)) {
    return 'node: querystring, url, buffers, strings';
  }
  return 'node: other';
}

/** Where a function belongs; `null` for V8 builtins and native code, charged to the JavaScript that called them. */
function groupOf(frame: CallFrame): string | null {
  const { functionName, url } = frame;
  if (functionName === '(garbage collector)') return 'GC (main thread)';
  if (functionName === '(program)') return 'V8 / native, outside any JS (program)';
  if (functionName === '(idle)' || functionName === '(root)') return functionName;
  if (url.startsWith('node:')) return nodeGroup(url);
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const rest = url.slice(modules + '/node_modules/'.length).split('/');
    return rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1] ?? ''}` : (rest[0] ?? 'node_modules');
  }
  if (/\/dist\/(cjs|esm)\//.test(url) || url.includes('/lib/')) return 'myoperator-webhooks';
  if (/\/bench\/(servers\/|[^/]+\.ts$)/.test(url)) return 'bench server (the variant itself, the bridge)';
  if (url === '') {
    // Code compiled at run time (scriptId > 0, no URL): ajv's validators are `new Function` code.
    if (frame.scriptId !== undefined && String(frame.scriptId) !== '0') {
      return /^validate\d*$/.test(functionName) ? 'ajv (compiled validators)' : 'eval / new Function code';
    }
    return null;
  }
  return `other: ${url.replace(/^file:\/\//, '')}`;
}

/**
 * The package's own dependencies that Express does not bring. body-parser and raw-body count with Express (the
 * package reads bodies with them too: the by-package list shows them apart).
 */
const PACKAGE_DEPENDENCIES = new Set([
  'ajv',
  'fast-deep-equal',
  'fast-uri',
  'json-schema-traverse',
  'ioredis',
  'basic-auth',
]);

/** A coarser view: Node itself, Express with its dependencies, the package (and ajv), GC, the server itself. */
function layerOf(group: string): string {
  if (group.startsWith('node: ') || group.startsWith('V8 / native')) return 'Node (HTTP, net, streams, events; native)';
  if (group === 'myoperator-webhooks' || group.startsWith('ajv') || PACKAGE_DEPENDENCIES.has(group)) {
    return 'myoperator-webhooks and its own dependencies (ajv, ioredis)';
  }
  if (group.startsWith('GC')) return 'GC (main thread)';
  if (group.startsWith('bench server')) return group;
  if (group.startsWith('other: ') || group.startsWith('eval') || group.startsWith('V8 builtins')) return 'other';
  return 'Express and the HTTP libraries (router, body-parser, raw-body, qs...)';
}

function label(frame: CallFrame): string {
  const { functionName, url, lineNumber } = frame;
  const path = url.replace(/^file:\/\//, '');
  const modules = path.lastIndexOf('/node_modules/');
  const file =
    modules >= 0
      ? `~/${path.slice(modules + '/node_modules/'.length)}`
      : path.replace(/^.*\/bench\/results\/dist\//, 'dist/').replace(/^.*\/(bench|lib|dist)\//, '$1/');
  return `${functionName || '(anonymous)'}${file ? ` ${file}:${lineNumber + 1}` : ' (builtin)'}`;
}

export interface ProfileSummaryOptions {
  /** Requests served while profiling: times are then also given per request. */
  requests?: number;
  /** How many functions to list. @default 25 */
  top?: number;
}

/** The summary as printable lines. */
export function summarizeProfile(profile: CpuProfile, options: ProfileSummaryOptions = {}): string[] {
  const top = options.top ?? 25;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

  // The group of a node: its own, or for a builtin the group of the nearest JavaScript caller.
  const groupCache = new Map<number, string>();
  const nodeGroup = (id: number): string => {
    const cached = groupCache.get(id);
    if (cached !== undefined) return cached;
    let cursor: number | undefined = id;
    let group: string | null = null;
    for (let depth = 0; cursor !== undefined && depth < 1000 && group === null; depth++) {
      group = groupOf(byId.get(cursor)!.callFrame);
      cursor = parent.get(cursor);
    }
    const resolved = group ?? 'V8 builtins (no JS caller)';
    groupCache.set(id, resolved);
    return resolved;
  };

  // A sample stands for the time since the one before it. The first one's (since the profiler started) and any
  // gap of more than ten sampling intervals (the process was not running, e.g. descheduled) are left out.
  const sortedDeltas = [...profile.timeDeltas].sort((a, b) => a - b);
  const interval = sortedDeltas[Math.floor(sortedDeltas.length / 2)] ?? 0;
  let gaps = 0;

  const groups = new Map<string, number>();
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  let all = 0;
  let idle = 0;
  profile.samples.forEach((id, index) => {
    const raw = index === 0 ? 0 : (profile.timeDeltas[index] ?? 0);
    const delta = raw > 10 * interval ? 0 : raw;
    gaps += raw - delta;
    const node = byId.get(id);
    if (!node) return;
    all += delta;
    const group = nodeGroup(id);
    if (group === '(idle)' || group === '(root)') {
      idle += delta;
      return;
    }
    groups.set(group, (groups.get(group) ?? 0) + delta);
    const name = label(node.callFrame);
    self.set(name, (self.get(name) ?? 0) + delta);
    // Inclusive time, each function counted once per sample however deep it recurses.
    const seen = new Set<string>();
    let cursor: number | undefined = id;
    for (let depth = 0; cursor !== undefined && depth < 1000; depth++) {
      const frame = byId.get(cursor)!.callFrame;
      const each = label(frame);
      if (!seen.has(each) && groupOf(frame) === 'myoperator-webhooks') {
        seen.add(each);
        total.set(each, (total.get(each) ?? 0) + delta);
      }
      cursor = parent.get(cursor);
    }
  });
  const busy = all - idle;
  const layers = new Map<string, number>();
  for (const [group, value] of groups) layers.set(layerOf(group), (layers.get(layerOf(group)) ?? 0) + value);
  const requests = options.requests ?? 0;
  const figure = (value: number): string =>
    `${((100 * value) / busy).toFixed(1).padStart(5)}%` +
    (requests > 0 ? `  ${(value / requests).toFixed(1).padStart(6)} us/req` : '');
  const sorted = (map: Map<string, number>): Array<[string, number]> => [...map].sort((a, b) => b[1] - a[1]);
  const lines = [
    `${(all / 1e6).toFixed(1)} s sampled (every ${interval} us; ${(gaps / 1e6).toFixed(2)} s of gaps left out), ` +
      `main thread busy ${(busy / 1e6).toFixed(2)} s` +
      (requests > 0 ? ` = ${(busy / requests).toFixed(1)} us per request (${requests} requests)` : '') +
      '; % of busy time',
    '',
    'by layer:',
    ...sorted(layers).map(([name, value]) => `  ${figure(value)}  ${name}`),
    '',
    'by package (self time; V8 builtins such as JSON.parse charged to the package that called them):',
    ...sorted(groups).map(([name, value]) => `  ${figure(value)}  ${name}`),
    '',
    `top ${top} functions by self time:`,
    ...sorted(self)
      .slice(0, top)
      .map(([name, value]) => `  ${figure(value)}  ${name}`),
    '',
    `top ${top} functions of the package by total time (self + what they call):`,
    ...(total.size === 0
      ? ['  (none: this variant does not run the package)']
      : sorted(total)
          .slice(0, top)
          .map(([name, value]) => `  ${figure(value)}  ${name}`)),
  ];
  return lines;
}

if (require.main === module) {
  const [file, requestsText, topText] = process.argv.slice(2);
  if (!file) throw new Error('usage: tsx bench/profile.ts <file.cpuprofile> [requests] [top]');
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  console.log(file);
  console.log(
    summarizeProfile(profile, { requests: Number(requestsText ?? 0), top: Number(topText ?? 25) }).join('\n'),
  );
}
