// scripts/preflight.mjs (npm test's first step) runs npm ci on a fresh clone, says in one line what else is missing
// and how to get it, and exits 1;
// the specs' helpers look for redis-server and Chromium where it does, and a spec file without redis-server fails
// once, clearly, without a TypeError from its afterAll.

import { execFile } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { chromiumPath } from '../helpers/chromium';

jest.setTimeout(60_000);

const ROOT = join(__dirname, '..', '..');
const PREFLIGHT = join('scripts', 'preflight.mjs');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(
  file: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { cwd: options.cwd ?? ROOT, env: options.env ?? process.env, timeout: 50_000 },
      (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
      },
    );
  });
}

const preflight = (env: NodeJS.ProcessEnv, args: readonly string[] = [], cwd = ROOT): Promise<Run> =>
  run(process.execPath, [PREFLIGHT, ...args], { cwd, env });

const scratch = mkdtempSync(join(tmpdir(), 'myoperator-preflight-'));
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

/** A directory holding do-nothing executables with these names, for a PATH that has exactly them. */
function binDirectory(name: string, tools: readonly string[]): string {
  const directory = join(scratch, name);
  mkdirSync(directory, { recursive: true });
  for (const tool of tools) {
    writeFileSync(join(directory, tool), '#!/bin/sh\nexit 0\n');
    chmodSync(join(directory, tool), 0o755);
  }
  return directory;
}

/** The environment without CHROMIUM_PATH, with PATH replaced. */
function envWith(path: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: path, ...extra };
  if (extra.CHROMIUM_PATH === undefined) delete env.CHROMIUM_PATH;
  return env;
}

describe('scripts/preflight.mjs', () => {
  it('is silent and exits 0 when everything is there', async () => {
    const result = await preflight(envWith(binDirectory('all', ['redis-server', 'chromium', 'script'])));

    expect(result).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('says in one line how to get redis-server when PATH lacks it, exit 1', async () => {
    const result = await preflight(envWith(binDirectory('no-redis', ['chromium', 'script'])));

    expect([result.code, result.stderr]).toEqual([
      1,
      'preflight: redis-server is not on PATH: install redis-server (apt-get install -y redis-server)\n',
    ]);
  });

  it('says CHROMIUM_PATH points at nothing, even with a Chromium on PATH', async () => {
    const path = binDirectory('all-2', ['redis-server', 'chromium', 'script']);
    const nothing = join(scratch, 'nope', 'chromium');
    const [missing, directory] = await Promise.all([
      preflight(envWith(path, { CHROMIUM_PATH: nothing })),
      preflight(envWith(path, { CHROMIUM_PATH: scratch })),
    ]);

    const line = (value: string): string =>
      `preflight: CHROMIUM_PATH=${value} is not an executable file: install chromium (apt-get install -y chromium) ` +
      'or set CHROMIUM_PATH=/path/to/chromium\n';
    expect([missing.code, missing.stderr]).toEqual([1, line(nothing)]);
    expect([directory.code, directory.stderr]).toEqual([1, line(scratch)]);
  });

  it('says how to get Chromium when there is none, except with --fast (no browser specs)', async () => {
    const env = envWith(binDirectory('no-chromium', ['redis-server', 'script']));
    const [full, fast] = await Promise.all([preflight(env), preflight(env, ['--fast'])]);

    expect([full.code, full.stderr]).toEqual([
      1,
      'preflight: Chromium is not on PATH (chromium, chromium-browser, google-chrome, google-chrome-stable): ' +
        'install chromium (apt-get install -y chromium) or set CHROMIUM_PATH=/path/to/chromium\n',
    ]);
    expect([fast.code, fast.stderr]).toEqual([0, '']);
  });

  it('gives one line per missing thing', async () => {
    const result = await preflight(envWith(binDirectory('empty', [])));

    expect(result.code).toBe(1);
    expect(
      result.stderr
        .trimEnd()
        .split('\n')
        .map((line) => line.slice(0, line.indexOf(':', 11))),
    ).toEqual([
      'preflight: redis-server is not on PATH',
      'preflight: Chromium is not on PATH (chromium, chromium-browser, google-chrome, google-chrome-stable)',
      'preflight: script (util-linux) is not on PATH',
    ]);
  });

  describe('in a copy of the package without node_modules', () => {
    /** A copy of what the preflight reads: package.json and its scripts, no node_modules, no lockfile. */
    function copyOfPackage(name: string): string {
      const copy = join(scratch, name);
      mkdirSync(join(copy, 'scripts'), { recursive: true });
      for (const file of ['package.json', PREFLIGHT, join('scripts', 'test-tools.js')]) {
        copyFileSync(join(ROOT, file), join(copy, file));
      }
      return copy;
    }

    /**
     * An npm for the preflight to run (`npm_execpath`, as npm sets it): it records its arguments and directory,
     * then installs every dependency of package.json as an empty package, or exits with `exitCode`.
     */
    function standInNpm(name: string, exitCode: number): { path: string; log: string } {
      const path = join(scratch, `${name}-npm.cjs`);
      const log = join(scratch, `${name}-npm.log`);
      writeFileSync(
        path,
        [
          "const fs = require('node:fs');",
          "const path = require('node:path');",
          `fs.writeFileSync(${JSON.stringify(log)}, JSON.stringify({ args: process.argv.slice(2), cwd: process.cwd() }));`,
          `if (${exitCode} !== 0) { console.error('npm ERR! stand-in failure'); process.exit(${exitCode}); }`,
          "const manifest = JSON.parse(fs.readFileSync('package.json', 'utf8'));",
          'for (const dependency of Object.keys({ ...manifest.dependencies, ...manifest.devDependencies })) {',
          "  fs.mkdirSync(path.join('node_modules', dependency), { recursive: true });",
          "  fs.writeFileSync(path.join('node_modules', dependency, 'package.json'), '{}');",
          '}',
        ].join('\n'),
      );
      return { path, log };
    }

    it('runs npm ci first, says so in one line, then checks the rest as usual', async () => {
      const copy = copyOfPackage('fresh');
      const npm = standInNpm('fresh', 0);

      const result = await preflight({ ...process.env, npm_execpath: npm.path }, [], copy);

      expect([result.code, result.stderr]).toEqual([
        0,
        'preflight: node_modules is missing: installing the dependencies (npm ci)\n',
      ]);
      expect(JSON.parse(readFileSync(npm.log, 'utf8'))).toEqual({ args: ['ci', '--no-audit', '--no-fund'], cwd: copy });
      expect(existsSync(join(copy, 'node_modules', 'ajv', 'package.json'))).toBe(true);
    });

    it('says in one line that npm ci failed, and exits 1', async () => {
      const copy = copyOfPackage('failing');
      const npm = standInNpm('failing', 3);

      const result = await preflight({ ...process.env, npm_execpath: npm.path }, [], copy);

      expect(result.code).toBe(1);
      expect(result.stderr).toBe(
        'preflight: node_modules is missing: installing the dependencies (npm ci)\n' +
          'npm ERR! stand-in failure\n' +
          'preflight: npm ci failed (exit status 3): see its output above\n',
      );
      expect(existsSync(join(copy, 'node_modules'))).toBe(false);
    });

    it('is what npm test runs first: the real npm ci is run, and its failure (no lockfile) is one line, no stack', async () => {
      const copy = copyOfPackage('npm-test');
      const npm = process.env.npm_execpath;
      const result =
        npm !== undefined && npm.endsWith('.js')
          ? await run(process.execPath, [npm, 'test'], { cwd: copy })
          : await run('npm', ['test'], { cwd: copy });

      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain('preflight: node_modules is missing: installing the dependencies (npm ci)\n');
      expect(result.stderr).toMatch(/package-lock\.json|npm-shrinkwrap\.json/);
      expect(result.stderr).toMatch(/^preflight: npm ci failed \(exit status \d+\): see its output above$/m);
      expect(result.stdout + result.stderr).not.toMatch(/MODULE_NOT_FOUND|Cannot find module/);
    });

    it('names what a partial node_modules lacks', async () => {
      const partial = join(scratch, 'partial');
      mkdirSync(join(partial, 'scripts'), { recursive: true });
      for (const file of ['package.json', PREFLIGHT, join('scripts', 'test-tools.js')]) {
        copyFileSync(join(ROOT, file), join(partial, file));
      }
      mkdirSync(join(partial, 'node_modules', 'ajv'), { recursive: true });
      writeFileSync(join(partial, 'node_modules', 'ajv', 'package.json'), '{"name":"ajv"}');

      const result = await preflight(process.env, [], partial);

      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(
        /^preflight: node_modules lacks basic-auth, body-parser, @eslint\/js, @opentelemetry\/api and \d+ more: run npm ci\n$/,
      );
    });
  });
});

describe('chromiumPath()', () => {
  it('takes CHROMIUM_PATH first, then chromium, chromium-browser, google-chrome on PATH', () => {
    const browsers = binDirectory('browsers', ['google-chrome', 'chromium-browser']);
    const own = join(binDirectory('own', ['my-chromium']), 'my-chromium');

    expect(chromiumPath({ PATH: browsers })).toBe(join(browsers, 'chromium-browser'));
    expect(chromiumPath({ PATH: browsers, CHROMIUM_PATH: own })).toBe(own);
    expect(chromiumPath({ PATH: binDirectory('chrome', ['google-chrome']) })).toBe(
      join(scratch, 'chrome', 'google-chrome'),
    );
  });

  it('throws the preflight line when there is none', () => {
    expect(() => chromiumPath({ PATH: binDirectory('none', []) })).toThrow(
      /^Chromium is not on PATH .*: install chromium \(apt-get install -y chromium\) or set CHROMIUM_PATH=\/path\/to\/chromium$/,
    );
  });
});

describe('spec/helpers/redis-server.ts', () => {
  // A spec file written the way the Redis specs are: beforeAll starts Redis, afterAll stops it.
  const project = join(scratch, 'redis-project');
  beforeAll(() => {
    mkdirSync(project, { recursive: true });
    const helper = join(ROOT, 'spec', 'helpers', 'redis-server').replace(/\\/g, '/');
    writeFileSync(
      join(project, 'uses-redis.spec.ts'),
      `import { startRedis, type RedisServer } from '${helper}';\n` +
        'let redis: RedisServer;\n' +
        'beforeAll(async () => { redis = await startRedis(); });\n' +
        'afterAll(() => redis.stop());\n' +
        "it('gets a port', () => { expect(redis.port).toBeGreaterThan(0); });\n",
    );
  });

  function jestIn(env: NodeJS.ProcessEnv): Promise<Run> {
    const config = {
      rootDir: project,
      testEnvironment: 'node',
      testMatch: ['<rootDir>/*.spec.ts'],
      transform: { '^.+\\.ts$': [require.resolve('ts-jest'), { diagnostics: false }] },
    };
    return run(process.execPath, [require.resolve('jest/bin/jest'), '--config', JSON.stringify(config), '-i', '--ci'], {
      cwd: project,
      env,
    });
  }

  it('fails a spec file once, saying how to get redis-server, with no TypeError from its afterAll', async () => {
    const result = await jestIn(envWith(binDirectory('no-redis-2', [])));

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Test suite failed to run');
    expect(result.stderr).toContain(
      'redis-server is not on PATH: install redis-server (apt-get install -y redis-server)',
    );
    expect(result.stderr).not.toMatch(/TypeError|reading 'stop'/);
  });

  it('runs the same spec file when redis-server is there', async () => {
    const result = await jestIn(process.env);

    expect([result.code, result.stderr]).toEqual([0, expect.stringContaining('1 passed')]);
  });
});
