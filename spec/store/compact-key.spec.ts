// compactKey and the SHA-256 under it: the same digest as node:crypto on every kind of input (empty, ASCII,
// multi-byte, lone surrogates, long, every length around the 55/56/64-byte block boundaries), and no Node-only
// API anywhere in the in-memory store's import graph, which the Fetch API entry (Deno, Workers) carries.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

import fc from 'fast-check';
import ts from 'typescript';

import { sha256, toBase64 } from '../../lib/core/sha256';
import { compactKey, MAX_KEY_LENGTH } from '../../lib/store/compact-key';

const nodeHex = (input: string | Uint8Array): string => createHash('sha256').update(input).digest('hex');
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

describe('sha256()', () => {
  it.each([
    ['', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
    ['abc', 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
    [
      'abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq',
      '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
    ],
  ])('gives the published digest of %j', (input, digest) => {
    expect(hex(sha256(input))).toBe(digest);
  });

  it('agrees with node:crypto on every ASCII length from 0 to 300 bytes (the 55/56/64-byte boundaries and more)', () => {
    const differing = Array.from({ length: 301 }, (_, length) => 'a'.repeat(length)).filter(
      (input) => hex(sha256(input)) !== nodeHex(input),
    );
    expect(differing).toEqual([]);
  });

  it.each([
    ['two-byte characters', 'é'.repeat(100)],
    ['three-byte characters', '€₹'.repeat(50)],
    ['four-byte characters (surrogate pairs)', '📞'.repeat(40)],
    ['a lone surrogate (encoded as U+FFFD, as node:crypto does)', `a\uD800b\uDC00`],
    ['a NUL and control characters', '\u0000\u0001\n\t\u007f'],
    ['a string of 55 bytes in UTF-8 around a multi-byte character', `${'x'.repeat(53)}é`],
    ['a string of 56 bytes in UTF-8 around a multi-byte character', `${'x'.repeat(54)}é`],
    ['a string of 64 bytes in UTF-8 around a multi-byte character', `${'x'.repeat(61)}€`],
    ['a megabyte', 'n2.1596270949.2175190:'.repeat(50_000)],
  ])('agrees with node:crypto on %s', (_label, input) => {
    expect(hex(sha256(input))).toBe(nodeHex(input));
  });

  it('hashes bytes as given, including a view into a larger buffer', () => {
    const buffer = new Uint8Array(200).map((_, index) => (index * 37) % 256);
    for (const [start, end] of [
      [0, 0],
      [3, 58],
      [7, 71],
      [1, 200],
    ] as const) {
      const view = buffer.subarray(start, end);
      expect(hex(sha256(view))).toBe(nodeHex(view));
    }
  });

  it('agrees with node:crypto on any string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (input) => hex(sha256(input)) === nodeHex(input)),
      { numRuns: 200 },
    );
  });

  it('agrees with node:crypto on any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (input) => hex(sha256(input)) === nodeHex(input)),
      { numRuns: 500 },
    );
  });
});

describe('toBase64()', () => {
  it('gives what Buffer gives, padding included, for every length from 0 to 70 bytes', () => {
    const bytes = Uint8Array.from({ length: 70 }, (_, index) => (index * 151 + 7) % 256);
    for (let length = 0; length <= 70; length++) {
      const part = bytes.subarray(0, length);
      expect(toBase64(part)).toBe(Buffer.from(part).toString('base64'));
    }
  });
});

describe('compactKey()', () => {
  it('keeps a key of up to 200 characters as it is', () => {
    const key = 'k'.repeat(MAX_KEY_LENGTH);
    expect(compactKey(key)).toBe(key);
    expect(compactKey('')).toBe('');
  });

  it('holds a longer key as its SHA-256, the same string node:crypto gives (so keys already in Redis still match)', () => {
    for (const key of ['k'.repeat(MAX_KEY_LENGTH + 1), `${'é'.repeat(300)}:incoming_call:1`, '📞'.repeat(1000)]) {
      expect(compactKey(key)).toBe(`sha256:${createHash('sha256').update(key).digest('base64')}`);
    }
  });

  it('tells apart long keys that differ in their last character only', () => {
    const common = 'u'.repeat(10_000);
    expect(compactKey(`${common}1`)).not.toBe(compactKey(`${common}2`));
  });
});

describe('the in-memory store’s import graph', () => {
  const LIB = resolve(__dirname, '../../lib');
  /** Globals that exist in Node only (Deno, Workers and browsers have none of them). */
  const NODE_GLOBALS = new Set(['Buffer', 'process', 'require', 'module', '__dirname', '__filename', 'setImmediate']);

  /** What a source file imports, and the Node-only globals it reads (a property called `process` is no global). */
  function inspect(file: string, text: string): { imports: string[]; nodeGlobals: string[] } {
    const imports = ts.preProcessFile(text, true, true).importedFiles.map((imported) => imported.fileName);
    const nodeGlobals = new Set<string>();
    const visit = (node: ts.Node): void => {
      if (ts.isIdentifier(node) && NODE_GLOBALS.has(node.text)) {
        const parent = node.parent;
        const isMemberName =
          (ts.isPropertyAccessExpression(parent) && parent.name === node) ||
          (ts.isPropertyAssignment(parent) && parent.name === node) ||
          ((ts.isMethodDeclaration(parent) || ts.isPropertyDeclaration(parent)) && parent.name === node);
        if (!isMemberName) nodeGlobals.add(node.text);
      }
      ts.forEachChild(node, visit);
    };
    visit(ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true));
    return { imports, nodeGlobals: [...nodeGlobals] };
  }

  /** Every problem in the files of lib/ that `entry` reaches, itself included: a package or Node module, a global. */
  function problemsFrom(entry: string): { files: string[]; problems: string[] } {
    const seen = new Set<string>();
    const problems: string[] = [];
    const pending = [join(LIB, entry)];
    for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
      if (seen.has(file)) continue;
      seen.add(file);
      const { imports, nodeGlobals } = inspect(file, readFileSync(file, 'utf8'));
      const name = relative(LIB, file);
      for (const imported of imports) {
        if (imported.startsWith('.')) pending.push(`${join(dirname(file), imported)}.ts`);
        else problems.push(`${name} imports ${imported}`);
      }
      problems.push(...nodeGlobals.map((global) => `${name} uses ${global}`));
    }
    return { files: [...seen].map((file) => relative(LIB, file)).sort(), problems };
  }

  it.each(['store/memory-store.ts', 'store/compact-key.ts'])(
    'reaches no package, no Node module and no Node-only global from %s',
    (entry) => {
      const { files, problems } = problemsFrom(entry);
      expect(files).toContain('core/sha256.ts');
      expect(problems).toEqual([]);
    },
  );

  it('sees what it looks for: Node modules, packages and Node-only globals', () => {
    expect(problemsFrom('store/redis-store.ts').problems).toContain('store/redis-store.ts imports node:crypto');
    const sample = `import { a } from 'ioredis';\nconst b = Buffer.from('x'); const c = { process: 1 }; c.process;`;
    expect(inspect('sample.ts', sample)).toEqual({ imports: ['ioredis'], nodeGlobals: ['Buffer'] });
  });
});
