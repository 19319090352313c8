// npm test's first step: checks that what the suite needs is there (Node 20+, node_modules, redis-server,
// Chromium, util-linux's `script`) and, for anything missing, says in one line what and how to get it, then exits 1
// instead of letting dozens of specs fail with stacks. On a fresh clone (no node_modules at all) it runs `npm ci`
// first, as `npm run demo` does. `--fast` (npm run test:fast) skips the browser's Chromium.
// Uses Node's built-ins only: it runs before anything is installed.

import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { findChromium, findOnPath, findRedisServer } = createRequire(import.meta.url)('./test-tools.js');
const fast = process.argv.includes('--fast');

/** Every dependency the manifest names that is not in node_modules. */
function missingModules() {
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const names = Object.keys({ ...manifest.dependencies, ...manifest.devDependencies });
  return names.filter((name) => !existsSync(join(root, 'node_modules', name, 'package.json')));
}

const problems = [];
const major = Number(process.versions.node.split('.')[0]);
if (major < 20) problems.push(`Node ${process.versions.node} is too old: use Node 20 or newer`);

/** Runs `npm ci` in the package (the npm that runs this script, when npm does); null when it worked, else why not. */
function installDependencies() {
  process.stderr.write('preflight: node_modules is missing: installing the dependencies (npm ci)\n');
  const npm = process.env.npm_execpath;
  const [command, args] =
    npm !== undefined && /\.[cm]?js$/.test(npm)
      ? [process.execPath, [npm]]
      : [process.platform === 'win32' ? 'npm.cmd' : 'npm', []];
  // npm's own output goes to stderr, so that a caller reading stdout (jest --json) gets only the suite's.
  const result = spawnSync(command, [...args, 'ci', '--no-audit', '--no-fund'], {
    cwd: root,
    stdio: ['ignore', 2, 2],
  });
  if (result.error !== undefined)
    return `npm ci could not start (${result.error.message}): install npm, then run npm ci`;
  if (result.status !== 0) return `npm ci failed (exit status ${result.status ?? result.signal}): see its output above`;
  return null;
}

const nodeModules = join(root, 'node_modules');
const installFailure = existsSync(nodeModules) ? null : installDependencies();
if (installFailure !== null) problems.push(installFailure);
else if (!existsSync(nodeModules)) problems.push('node_modules is still missing after npm ci: run npm ci');
else {
  const missing = missingModules();
  if (missing.length > 0) {
    const shown = missing.slice(0, 4).join(', ') + (missing.length > 4 ? ` and ${missing.length - 4} more` : '');
    problems.push(`node_modules lacks ${shown}: run npm ci`);
  }
}

const redis = findRedisServer();
if (redis.problem !== null) problems.push(redis.problem);
if (!fast) {
  const chromium = findChromium();
  if (chromium.problem !== null) problems.push(chromium.problem);
}
// The simulator's progress bar is tested on a pseudo-terminal made by util-linux's `script`.
if (process.platform !== 'win32' && findOnPath('script') === null) {
  problems.push('script (util-linux) is not on PATH: install bsdutils (apt-get install -y bsdutils)');
}

for (const problem of problems) process.stderr.write(`preflight: ${problem}\n`);
process.exitCode = problems.length === 0 ? 0 : 1;
