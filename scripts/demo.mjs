// `npm run demo`: install if needed, build, start the example app, play every kind of call against it with the
// simulator CLI, read back what the app saved, then keep the board live (in a terminal) or exit (CI, scripts).

import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const HOST = '127.0.0.1';
const HEADER = 'x-myoperator-token: demo-secret';
const PLAY_EVERY_MS = 5000;
const keepRunning =
  process.env.DEMO_KEEP_RUNNING === undefined ? Boolean(process.stdout.isTTY) : process.env.DEMO_KEEP_RUNNING === '1';
const color = Boolean(process.stdout.isTTY) && process.env.NO_COLOR === undefined;
const paint = (code, text) => (color ? `\u001b[${code}m${text}\u001b[0m` : text);
const bold = (text) => paint(1, text);

function step(text) {
  console.log(`\n${paint(36, '==>')} ${bold(text)}`);
}

function fail(message) {
  console.error(`\n${paint(31, 'demo failed:')} ${message}`);
  process.exit(1);
}

/** Runs a command in the repository, its output shown; fails the demo if it fails. */
function run(command, args) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
  if (result.status !== 0) fail(`"${command} ${args.join(' ')}" exited with ${result.status ?? result.signal}`);
}

/** PORT if set; else 3000 when it is free, else any free port. */
async function choosePort() {
  if (process.env.PORT) return Number(process.env.PORT);
  const tryPort = (port) =>
    new Promise((resolve) => {
      const probe = createServer();
      probe.once('error', () => resolve(null));
      probe.listen(port, HOST, () => {
        const { port: bound } = probe.address();
        probe.close(() => resolve(bound));
      });
    });
  const preferred = await tryPort(3000);
  if (preferred !== null) return preferred;
  const fallback = await tryPort(0);
  console.log(`Port 3000 is taken: using ${fallback} instead.`);
  return fallback;
}

/** Runs the simulator CLI (the built bin, as users run it). Resolves its exit code and what it printed. */
function simulate(args, { show }) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(root, 'dist/cjs/cli/index.js'), 'simulate', ...args], {
      cwd: root,
      stdio: ['ignore', show ? 'inherit' : 'pipe', show ? 'inherit' : 'pipe'],
      env: color ? process.env : { ...process.env, NO_COLOR: '1' },
    });
    let output = '';
    child.stdout?.on('data', (chunk) => (output += chunk));
    child.stderr?.on('data', (chunk) => (output += chunk));
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}

async function getJson(base, path) {
  const response = await fetch(`${base}${path}`);
  if (!response.ok) throw new Error(`GET ${path}: ${response.status}`);
  return response.json();
}

// 1. Install and build.
if (!existsSync(join(root, 'node_modules'))) {
  step('Installing dependencies (npm ci)');
  run('npm', ['ci', '--no-audit', '--no-fund']);
}
step('Building the package (npm run build)');
run('npm', ['run', 'build']);

// After the build, the package resolves itself by name, as it would in an app.
const { SCENARIOS } = await import('myoperator-webhooks/testing');

// 2. Start the example app on its defaults (header auth with the demo secret, SQLite under example-app/data/).
step('Starting the example app (example-app/server.ts)');
const port = await choosePort();
const base = `http://${HOST}:${port}`;
const webhook = `${base}/myoperator/incall`;
const tsx = createRequire(import.meta.url).resolve('tsx/cli');
const server = spawn(process.execPath, [tsx, join(root, 'example-app/server.ts')], {
  cwd: root,
  env: { ...process.env, PORT: String(port) },
  stdio: ['ignore', 'pipe', 'pipe'],
});
let serverOutput = '';
server.stdout.on('data', (chunk) => (serverOutput += chunk));
server.stderr.on('data', (chunk) => (serverOutput += chunk));
let serverExited = false;
server.on('exit', () => (serverExited = true));

function stopServer() {
  if (!serverExited) server.kill('SIGTERM');
}
process.on('exit', stopServer);

const ready = Date.now();
for (;;) {
  if (serverExited) fail(`the example app stopped:\n${serverOutput}`);
  try {
    const health = await getJson(base, '/healthz');
    if (health.ok) break;
  } catch {
    // not listening yet
  }
  if (Date.now() - ready > 30_000) fail(`the example app did not answer ${base}/healthz in 30 s:\n${serverOutput}`);
  await sleep(150);
}
console.log(`Listening on ${base} (webhook ${webhook}, header "${HEADER}")`);

// 3. Play calls with the CLI: every scenario twice, then Webhook v2, then MyOperator retrying (duplicates).
const since = new Date(Date.now() - 1000).toISOString();
const plays = [
  { label: 'Every scenario, twice each (in-call + after-call logs, form POST)', args: ['all', '--calls', '2'] },
  { label: 'An answered call in Webhook v2', args: ['answered', '--format', 'v2'] },
  { label: 'A missed call as JSON, every event delivered twice', args: ['missed', '--format', 'json', '--duplicate'] },
];
const expected = { answered: 0, missed: 0, rejected: 0, no_answer: 0 };
for (const name of Object.keys(SCENARIOS)) expected[SCENARIOS[name].outcome] += 2;
expected.answered += 1;
expected.missed += 1;
const expectedCalls = Object.values(expected).reduce((sum, count) => sum + count, 0);

let failures = 0;
for (const play of plays) {
  step(`Simulating: ${play.label}`);
  const args = [...play.args, '--url', webhook, '--header', HEADER, '--concurrency', '3', '--delay', '50'];
  console.log(
    paint(2, `$ npx myoperator-webhooks simulate ${args.map((arg) => (/\s/.test(arg) ? `"${arg}"` : arg)).join(' ')}`),
  );
  const { code } = await simulate(args, { show: true });
  if (code !== 0) failures++;
}

// 4. Read back what the app saved, and check it against what was played.
step('Read back from the app');
const stats = await getJson(base, '/api/stats');
const { calls } = await getJson(base, `/api/calls?since=${encodeURIComponent(since)}&limit=1000`);
const outcomes = { answered: 0, missed: 0, rejected: 0, no_answer: 0 };
for (const call of calls) outcomes[call.outcome] = (outcomes[call.outcome] ?? 0) + 1;
const unfinished = calls.filter((call) => call.status !== 'finished').length;
const problems = [];
if (failures > 0) problems.push(`${failures} simulator run(s) had answers that were not 2xx`);
if (calls.length !== expectedCalls) problems.push(`expected ${expectedCalls} calls, the app saved ${calls.length}`);
if (unfinished > 0) problems.push(`${unfinished} call(s) are not finished`);
for (const [outcome, count] of Object.entries(expected)) {
  if (outcomes[outcome] !== count) problems.push(`expected ${count} ${outcome}, the app saved ${outcomes[outcome]}`);
}
const leadsThisRun = new Set(
  calls.filter((call) => call.lead?.first_call_uid === call.uid).map((call) => call.lead.id),
);
console.log(
  [
    `  calls this run     ${calls.length}: ${outcomes.answered} answered, ${outcomes.missed} missed, ` +
      `${outcomes.rejected} rejected, ${outcomes.no_answer} no answer`,
    `  leads this run     ${leadsThisRun.size} (incoming calls from numbers the CRM did not know)`,
    `  webhooks in total  ${stats.webhooks} (${stats.duplicates} duplicates answered without running handlers again)`,
    `  in the database    ${stats.calls} calls, ${stats.leads} leads (example-app/data/calls.db, kept between runs)`,
  ].join('\n'),
);
if (problems.length > 0) {
  stopServer();
  fail(problems.join('; '));
}
console.log(`  ${paint(32, 'verified:')} every call played is saved, finished, with the outcome its scenario plays`);

console.log(`\n${bold('The call board:')} ${paint(36, `${base}/`)}`);

if (!keepRunning) {
  console.log('Not a terminal (or DEMO_KEEP_RUNNING=0): stopping. Run "npm run example" to keep the app up.');
  stopServer();
  process.exit(0);
}

// 5. Keep the board lively until Ctrl-C.
console.log(`Playing a call every ${PLAY_EVERY_MS / 1000} s so the board moves. Press Ctrl-C to stop.\n`);
let stopping = false;
process.on('SIGINT', () => {
  stopping = true;
  console.log('\nStopping the example app.');
  stopServer();
  process.exit(0);
});
const names = Object.keys(SCENARIOS);
while (!stopping) {
  const name = names[Math.floor(Math.random() * names.length)];
  const playing = simulate([name, '--url', webhook, '--header', HEADER, '--delay', '1500', '--json'], { show: false });
  playing.then(({ code, output }) => {
    const summary = output
      .split('\n')
      .filter((line) => line.startsWith('{"type":"summary"'))
      .map((line) => JSON.parse(line))[0];
    const uid = /"uid":"([^"]+)"/.exec(output)?.[1] ?? '';
    const status = code === 0 ? paint(32, 'ok') : paint(31, `exit ${code}`);
    console.log(`  ${status}  ${name.padEnd(24)} ${uid.padEnd(24)} ${summary ? `${summary.sent} webhooks` : ''}`);
  });
  await sleep(PLAY_EVERY_MS);
  if (serverExited) fail(`the example app stopped:\n${serverOutput}`);
}
