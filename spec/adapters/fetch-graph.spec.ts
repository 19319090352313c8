// The myoperator-webhooks/fetch entry runs where only Web-standard APIs exist (Deno, Bun, Cloudflare Workers):
// this walks the BUILT entry's whole module graph, the packages it reaches included, and fails on any node:*
// module, any Node built-in, any Node-only package, and any use of the Node-only globals Buffer and process.

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const ENTRY = join(ROOT, 'dist', 'cjs', 'fetch', 'index.js');
const NODE_ONLY_PACKAGES = ['express', 'body-parser', 'basic-auth', 'ioredis', 'bullmq', 'raw-body', 'iconv-lite'];
const BUILTINS = new Set(builtinModules);

interface Graph {
  files: string[];
  /** Every module specifier that is not a relative file: packages and built-ins. */
  external: Map<string, string[]>;
}

/** The `require()` specifiers of a CommonJS file (static strings; dynamic ones are listed apart). */
function requiresOf(source: string): { specifiers: string[]; dynamic: number } {
  const specifiers = [...source.matchAll(/\brequire\(\s*(['"])([^'"]+)\1\s*\)/g)].map((match) => match[2] as string);
  const dynamic = [...source.matchAll(/\brequire\(\s*[^'")\s]/g)].length;
  return { specifiers, dynamic };
}

function walk(entry: string): Graph {
  const files: string[] = [];
  const external = new Map<string, string[]>();
  const queue = [entry];
  const seen = new Set<string>();
  while (queue.length > 0) {
    const file = queue.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    files.push(file);
    const { specifiers } = requiresOf(readFileSync(file, 'utf8'));
    const resolve = createRequire(file).resolve;
    for (const specifier of specifiers) {
      const isFile = specifier.startsWith('.') || specifier.startsWith('/');
      if (!isFile) external.set(specifier, [...(external.get(specifier) ?? []), relative(ROOT, file)]);
      if (specifier.startsWith('node:') || BUILTINS.has(specifier)) continue;
      // Packages are walked too: what they require is part of the graph a bundler follows.
      queue.push(resolve(specifier));
    }
  }
  return { files, external };
}

describe('the myoperator-webhooks/fetch entry (built)', () => {
  const graph = walk(ENTRY);

  it('reaches the fetch handler and the core, and nothing of the Express or Node adapters', () => {
    const ours = graph.files.filter((file) => file.startsWith(join(ROOT, 'dist'))).map((file) => relative(ROOT, file));
    expect(ours).toEqual(
      expect.arrayContaining([
        'dist/cjs/fetch/index.js',
        'dist/cjs/fetch/handler.js',
        'dist/cjs/dispatch/call-events.js',
      ]),
    );
    expect(ours.filter((file) => /\/(express|node|bullmq|cli)\//.test(file))).toEqual([]);
  });

  it('requires no node:* module and no Node built-in, anywhere in its graph', () => {
    const builtins = [...graph.external.keys()].filter(
      (specifier) => specifier.startsWith('node:') || BUILTINS.has(specifier),
    );
    expect(builtins.map((specifier) => `${specifier} <- ${graph.external.get(specifier)?.join(', ')}`)).toEqual([]);
  });

  it('requires no Node-only package', () => {
    const names = [...graph.external.keys()].map((specifier) =>
      specifier
        .split('/')
        .slice(0, specifier.startsWith('@') ? 2 : 1)
        .join('/'),
    );
    expect(names.filter((name) => NODE_ONLY_PACKAGES.includes(name))).toEqual([]);
  });

  it("uses neither Buffer nor process in the package's own files", () => {
    const offenders = graph.files
      .filter((file) => file.startsWith(join(ROOT, 'dist')))
      .filter((file) =>
        /\b(Buffer|process)\s*[.[(]/.test(readFileSync(file, 'utf8').replace(/\/\/.*$|\/\*[\s\S]*?\*\//gm, '')),
      )
      .map((file) => relative(ROOT, file));
    expect(offenders).toEqual([]);
  });

  it('loads and answers without Express, body-parser or basic-auth in the module cache', async () => {
    const before = new Set(Object.keys(require.cache));
    const loaded = createRequire(ENTRY)(ENTRY) as typeof import('../../lib/fetch');
    const calls = new loaded.CallEvents({ logger: false });
    const handler = loaded.myOperatorFetchHandler({ auth: false, calls });
    const response = await handler(
      new Request('http://localhost/', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"uid":"n2.1.1","call_state":"1"}',
      }),
    );
    expect([response.status, await response.json()]).toEqual([200, { ok: true }]);
    const added = Object.keys(require.cache).filter((file) => !before.has(file));
    expect(added.filter((file) => /node_modules\/(express|body-parser|basic-auth)\//.test(file))).toEqual([]);
    expect(dirname(ENTRY)).toBe(join(ROOT, 'dist', 'cjs', 'fetch'));
  });

  it('validates without generating code at run time, as Workers require (--disallow-code-generation-from-strings)', () => {
    const script = `
      const { CallEvents, myOperatorFetchHandler } = require(${JSON.stringify(ENTRY)});
      const handler = myOperatorFetchHandler({ auth: false, calls: new CallEvents({ logger: false }) });
      const post = (body) => handler(new Request('http://localhost/', { method: 'POST', headers: { 'content-type': 'application/json' }, body }));
      (async () => {
        const good = await post('{"uid":"n2.1.1","call_state":"6"}');
        const bad = await post('{"uid":"n2.1.1","call_state":{"nested":true}}');
        console.log(JSON.stringify([good.status, await good.json(), bad.status, (await bad.json()).error.details]));
      })().catch((error) => { console.log(JSON.stringify(String(error))); process.exitCode = 1; });
    `;
    const output = execFileSync(process.execPath, ['--disallow-code-generation-from-strings', '-e', script], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(JSON.parse(output.trim())).toEqual([
      200,
      { ok: true },
      422,
      [{ path: '/call_state', message: 'must be string,number,null' }],
    ]);
  });
});
