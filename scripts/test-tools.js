// Where the test suite finds the programs it runs besides Node: redis-server and Chromium. One module for
// scripts/preflight.mjs and the specs' helpers (spec/helpers/chromium.ts, spec/helpers/redis-server.ts), so the
// preflight looks exactly where the specs will. Plain CommonJS: the preflight runs before anything is installed.
'use strict';

const { accessSync, constants, statSync } = require('node:fs');
const { delimiter, join } = require('node:path');

/** The Chromium binaries looked for on PATH, in this order, when CHROMIUM_PATH is not set. */
const CHROMIUM_NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];

const INSTALL_CHROMIUM = 'install chromium (apt-get install -y chromium) or set CHROMIUM_PATH=/path/to/chromium';
const INSTALL_REDIS = 'install redis-server (apt-get install -y redis-server)';

function isExecutableFile(file) {
  try {
    if (!statSync(file).isFile()) return false;
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The first executable file called `name` in the directories of `env.PATH`, or `null`. */
function findOnPath(name, env = process.env) {
  for (const directory of (env.PATH ?? '').split(delimiter)) {
    if (directory === '') continue;
    const file = join(directory, name);
    if (isExecutableFile(file)) return file;
  }
  return null;
}

/** Chromium: `CHROMIUM_PATH` when set (it must be an executable file), else the first of CHROMIUM_NAMES on PATH. */
function findChromium(env = process.env) {
  const configured = env.CHROMIUM_PATH;
  if (configured !== undefined && configured !== '') {
    if (isExecutableFile(configured)) return { path: configured, problem: null };
    return { path: null, problem: `CHROMIUM_PATH=${configured} is not an executable file: ${INSTALL_CHROMIUM}` };
  }
  for (const name of CHROMIUM_NAMES) {
    const file = findOnPath(name, env);
    if (file !== null) return { path: file, problem: null };
  }
  return { path: null, problem: `Chromium is not on PATH (${CHROMIUM_NAMES.join(', ')}): ${INSTALL_CHROMIUM}` };
}

/** redis-server on PATH, or the one line that says how to get it. */
function findRedisServer(env = process.env) {
  const file = findOnPath('redis-server', env);
  return file === null
    ? { path: null, problem: `redis-server is not on PATH: ${INSTALL_REDIS}` }
    : { path: file, problem: null };
}

module.exports = { CHROMIUM_NAMES, findChromium, findOnPath, findRedisServer };
