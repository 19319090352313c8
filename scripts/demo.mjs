// `npm run demo`: installs if needed, builds, starts the example app and plays a call centre at it on the real
// clock until Ctrl-C or SIGTERM, whatever stdout is (a terminal, a file, a pipe). `--once` (or CI=true) plays one
// short shift of every kind of call instead, checks what the app saved, and exits 0 (1 when a check fails).
// On every way out the example app is stopped, and its port free again, before the demo exits.

import { spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const HOST = '127.0.0.1';
const DEFAULT_HEADER = 'my-super-secret-token: abc123def';
const DEMO_DATABASE = join(root, 'example-app', 'data', 'demo.db');
const USAGE = `Usage: npm run demo [-- --once] [-- --no-build]

  (no option)  play calls at the example app until Ctrl-C or SIGTERM
  --once       play one short shift, check what the app saved, exit 0 (1 on a failed check); also when CI=true
  --no-build   use the package as built (dist/) instead of running npm ci (if needed) and npm run build

Environment: PORT (default 3000, else a free port), DATABASE_PATH (default example-app/data/demo.db, new each
run), MYOPERATOR_HEADER (default "${DEFAULT_HEADER}"), MYOPERATOR_BASIC_USER / _PASSWORD.`;

// A reader that went away (`| head`, a closed terminal) must not crash the demo: its output is best effort.
process.stdout.on('error', () => {});
process.stderr.on('error', () => {});

const args = process.argv.slice(2);
for (const arg of args) {
  if (!['--once', '--no-build', '--help', '-h'].includes(arg)) {
    console.error(`Unknown option ${arg}\n\n${USAGE}`);
    process.exit(2);
  }
}
if (args.includes('--help') || args.includes('-h')) {
  console.log(USAGE);
  process.exit(0);
}
const ci = process.env.CI !== undefined && !['', '0', 'false'].includes(process.env.CI.toLowerCase());
const once = args.includes('--once') || ci;
const build = !args.includes('--no-build');

const color = Boolean(process.stdout.isTTY) && process.env.NO_COLOR === undefined;
const paint = (code, text) => (color ? `\u001b[${code}m${text}\u001b[0m` : text);
const bold = (text) => paint(1, text);
const dim = (text) => paint(2, text);
const clock = () => new Date().toTimeString().slice(0, 8);

function step(text) {
  console.log(`\n${paint(36, '==>')} ${bold(text)}`);
}

/** `m:ss` */
function duration(seconds) {
  if (seconds === null || seconds === undefined) return '–';
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
}

// What has to be undone on the way out.
let child = null; // the install or build running now
let server = null;
let serverExited = null; // resolves when the example app's process is gone
let centre = null;
let port = null;
let exiting = false;
const serverOutput = [];

/** Stops the calls, then the example app, waits for its port to be free, and exits with `code`. */
async function shutdown(code, message) {
  if (exiting) return;
  exiting = true;
  if (message) console.log(message);
  child?.kill('SIGTERM');
  await centre?.stop().catch(() => {});
  if (server && server.exitCode === null && server.signalCode === null) {
    server.kill('SIGTERM');
    const gone = await Promise.race([serverExited.then(() => true), sleep(5000).then(() => false)]);
    if (!gone) {
      server.kill('SIGKILL');
      await serverExited;
    }
  }
  if (port !== null && !(await portFree(port, 5000))) console.error(`Port ${port} is still taken.`);
  process.exit(code);
}

process.on('SIGINT', () => shutdown(once ? 130 : 0, '\nStopping (Ctrl-C): the example app is shutting down.'));
process.on('SIGTERM', () => shutdown(once ? 143 : 0, '\nStopping (SIGTERM): the example app is shutting down.'));

// `npm run demo` runs this script under `sh -c`, and npm passes a SIGTERM on to that shell only: when the shell
// goes away, so does the demo. (Run directly, under nohup for instance, the demo outlives its parent as asked.)
if (process.env.npm_lifecycle_event === 'demo') {
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent)
      shutdown(once ? 143 : 0, '\nStopping (npm was stopped): the example app is shutting down.');
  }, 250).unref();
}

function fail(message) {
  console.error(`\n${paint(31, 'demo failed:')} ${message}`);
  return shutdown(1);
}

/** Runs a command in the repository, its output shown; resolves its exit code. */
function run(command, commandArgs) {
  return new Promise((resolve) => {
    child = spawn(command, commandArgs, { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
    child.on('error', () => resolve(1));
    child.on('close', (code) => {
      child = null;
      resolve(code ?? 1);
    });
  });
}

/** Whether nothing listens on the port (retrying until `withinMs`). */
async function portFree(candidate, withinMs = 0) {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const free = await new Promise((resolve) => {
      const probe = createServer();
      probe.once('error', () => resolve(false));
      probe.listen(candidate, HOST, () => probe.close(() => resolve(true)));
    });
    if (free || Date.now() >= deadline) return free;
    await sleep(100);
  }
}

/** PORT if set; else 3000 when it is free, else any free port. */
async function choosePort() {
  if (process.env.PORT) return Number(process.env.PORT);
  if (await portFree(3000)) return 3000;
  const fallback = await new Promise((resolve) => {
    const probe = createServer();
    probe.listen(0, HOST, () => {
      const { port: bound } = probe.address();
      probe.close(() => resolve(bound));
    });
  });
  console.log(`Port 3000 is taken: using ${fallback} instead.`);
  return fallback;
}

async function getJson(base, path) {
  const response = await fetch(`${base}${path}`);
  if (!response.ok) throw new Error(`GET ${path}: ${response.status}`);
  return response.json();
}

/** How a finished call reads in the demo's output (no phone numbers: agents' names, outcome, times, uid). */
function describe(played) {
  const { call, answeredBy, dialled, plan } = played;
  const caller = plan.agents[0]?.name ?? 'An agent';
  let who;
  if (answeredBy) {
    const missed = dialled.slice(0, -1).map((agent) => agent.name);
    who = missed.length > 0 ? `${answeredBy.name} (after ${missed.join(', ')} missed)` : answeredBy.name;
  } else if (plan.scenario === 'missed') who = `missed by ${dialled.map((agent) => agent.name).join(', ')}`;
  else if (plan.scenario === 'click-to-call-rejected') who = `${caller} calling, the customer rejected it`;
  else if (plan.scenario === 'click-to-call-no-answer') who = `${caller} calling, no answer`;
  else who = 'campaign call (OBD), no answer';
  const times = `ring ${duration(call.expected.ringSeconds)}${
    call.expected.talkSeconds === null ? '' : `  talk ${duration(call.expected.talkSeconds)}`
  }`;
  const kind = `${call.direction === 'outgoing' ? 'out' : 'in '} ${call.expected.outcome}`.padEnd(14);
  return `${kind} ${who.padEnd(40)} ${times.padEnd(22)} ${dim(call.uid)}`;
}

async function main() {
  // 1. Install and build.
  if (build) {
    if (!existsSync(join(root, 'node_modules'))) {
      step('Installing dependencies (npm ci)');
      const code = await run('npm', ['ci', '--no-audit', '--no-fund']);
      if (code !== 0) return fail(`"npm ci" exited with ${code}`);
    }
    step('Building the package (npm run build)');
    const code = await run('npm', ['run', 'build']);
    if (code !== 0) return fail(`"npm run build" exited with ${code}`);
  }
  if (exiting) return;

  // The call centre and the checks are TypeScript of the example app; it imports the built package by name.
  const require = createRequire(import.meta.url);
  const { require: tsRequire } = await import('tsx/cjs/api');
  const { CallCentre, supportsHunts } = tsRequire('../example-app/call-centre.ts', import.meta.url);
  const { checkPlayedCall } = tsRequire('../example-app/demo-checks.ts', import.meta.url);

  // 2. Start the example app: its own database, new for each run (not the one of `npm run example`).
  step('Starting the example app (example-app/server.ts)');
  port = await choosePort();
  const base = `http://${HOST}:${port}`;
  const webhook = `${base}/myoperator/incall`;
  const header = (process.env.MYOPERATOR_HEADER ?? DEFAULT_HEADER).trim();
  const user = process.env.MYOPERATOR_BASIC_USER;
  const password = process.env.MYOPERATOR_BASIC_PASSWORD;
  const databasePath = process.env.DATABASE_PATH ?? DEMO_DATABASE;
  if (process.env.DATABASE_PATH === undefined) {
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${DEMO_DATABASE}${suffix}`, { force: true });
  }
  // One process (node with tsx's loader), which stops by itself if the demo dies: its stdin is the demo's pipe.
  // Always the one-process mode: REDIS_URL (the example's multi-process mode) is for `npm run example`.
  const environment = { ...process.env };
  delete environment.REDIS_URL;
  server = spawn(
    process.execPath,
    ['--import', pathToFileURL(require.resolve('tsx')).href, join(root, 'example-app/server.ts')],
    {
      cwd: root,
      env: {
        ...environment,
        PORT: String(port),
        DATABASE_PATH: databasePath,
        MYOPERATOR_HEADER: header,
        EXAMPLE_STOP_ON_STDIN_END: '1',
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  serverExited = new Promise((resolve) => server.once('exit', resolve));
  const keep = (chunk) => {
    serverOutput.push(...String(chunk).split('\n').filter(Boolean));
    serverOutput.splice(0, Math.max(0, serverOutput.length - 40));
  };
  server.stdout.on('data', keep);
  server.stderr.on('data', keep);
  serverExited.then((code) => {
    if (!exiting) fail(`the example app stopped (exit ${code}):\n${serverOutput.join('\n')}`);
  });

  const waitingSince = Date.now();
  for (;;) {
    if (exiting) return;
    try {
      if ((await getJson(base, '/healthz')).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() - waitingSince > 30_000) {
      return fail(`the example app did not answer ${base}/healthz in 30 s:\n${serverOutput.join('\n')}`);
    }
    await sleep(150);
  }
  console.log(`Listening on ${base}  (webhook ${webhook}, header "${header}")`);
  console.log(`Database ${databasePath}`);
  const hunts = supportsHunts('incall-v1');
  if (!hunts) console.log(dim('This testing kit takes one agent per call: hunts play as the agent who answers.'));

  const onFinished = (played) => {
    checkPlayedCall(base, played)
      .then((found) => {
        if (exiting) return;
        if (!played.complete) found.unshift('not every webhook was answered 2xx');
        const status = found.length === 0 ? paint(32, 'ok') : paint(31, '!!');
        console.log(`  ${dim(clock())}  ${status}  ${describe(played)}`);
        for (const problem of found) console.log(`              ${paint(31, problem)}`);
      })
      .catch((error) => {
        if (!exiting) console.log(`              ${paint(31, `could not read the call back: ${error.message}`)}`);
      });
  };
  const onError = (message) => {
    if (!exiting) console.log(`  ${dim(clock())}  ${paint(31, '!!')}  ${message}`);
  };
  centre = new CallCentre({
    url: webhook,
    headers: header === '' ? [] : [header],
    ...(user !== undefined && password !== undefined ? { basic: { username: user, password } } : {}),
    ...(once ? { ringSeconds: [2, 6], talkSeconds: [3, 10] } : {}),
    onFinished,
    onError,
  });

  if (!once) {
    // 3. Keep the board live until Ctrl-C or SIGTERM.
    console.log(`\n${bold('The call board:')} ${paint(36, `${base}/`)}`);
    console.log(
      `${bold('Its metrics:')}    ${paint(36, `${base}/metrics`)} (Prometheus; the board's health strip reads them)`,
    );
    step('Playing calls on the real clock: each webhook is sent when its moment comes');
    console.log('A new call every few seconds; each line below is a call that ended, checked against the app.');
    console.log(`Press Ctrl-C (or send SIGTERM) to stop.\n`);
    centre.start();
    return;
  }

  // 3. One short shift of every kind of call, overlapping, then check everything the app saved.
  step('Playing one shift (every kind of call, on the real clock, about 30 s)');
  const [priya, arjun, neha, rahul, ananya, vikram] = centre.agents;
  const [a, b, c, d, e, f] = Array.from({ length: 6 }, () => centre.newCaller());
  const shift = [
    [0, { scenario: 'answered', caller: a, agents: [rahul, priya], ringSeconds: 6, talkSeconds: 8 }],
    [1, { scenario: 'missed', caller: b, agents: [arjun, neha], ringSeconds: 9 }],
    [2, { scenario: 'answered', format: 'v2', caller: c, agents: [ananya], ringSeconds: 4, talkSeconds: 6 }],
    [
      3,
      {
        scenario: 'answered',
        format: 'json',
        caller: d,
        agents: [vikram],
        ringSeconds: 3,
        talkSeconds: 5,
        redeliver: true,
      },
    ],
    [5, { scenario: 'obd-no-answer', caller: f, agents: [], ringSeconds: 5 }],
    [8, { scenario: 'click-to-call-no-answer', caller: e, agents: [rahul], ringSeconds: 7 }],
    // A missed caller called back, a caller calling again, a customer rejecting an agent's call.
    [14, { scenario: 'click-to-call', caller: b, agents: [arjun], ringSeconds: 4, talkSeconds: 6 }],
    [17, { scenario: 'answered', caller: a, agents: [neha], ringSeconds: 3, talkSeconds: 4 }],
    [18, { scenario: 'click-to-call-rejected', caller: c, agents: [ananya], ringSeconds: 4 }],
  ];
  const shiftStart = Date.now();
  for (const [at, plan] of shift) {
    await sleep(Math.max(0, shiftStart + at * 1000 - Date.now()));
    if (exiting) return;
    centre.play(plan);
  }
  await centre.drain();
  await sleep(300); // the line of the last call
  if (exiting) return;

  step('Read back from the app');
  // The complete read-back, once every call is over (the lines above were checked as each call ended).
  const played = centre.played;
  const checks = [];
  for (const [i, found] of (await Promise.all(played.map((call) => checkPlayedCall(base, call)))).entries()) {
    const { call, complete } = played[i];
    if (!complete) checks.push(`${call.uid}: not every webhook was answered 2xx`);
    checks.push(...found.map((problem) => `${call.uid}: ${problem}`));
  }
  const stats = await getJson(base, '/api/stats');
  const sent = played.reduce((sum, call) => sum + call.deliveries.length, 0);
  const redelivered = played.reduce((sum, call) => sum + call.deliveries.filter((d) => d.redelivery).length, 0);
  const outcomes = {};
  for (const call of played) outcomes[call.call.expected.outcome] = (outcomes[call.call.expected.outcome] ?? 0) + 1;
  const agentsSeen = (await getJson(base, '/api/agents')).agents;
  const newCallers = new Set(played.filter((call) => call.call.direction === 'incoming' && call.earlierIncoming === 0));
  if (process.env.DATABASE_PATH === undefined) {
    if (stats.webhooks !== sent) checks.push(`the app saved ${stats.webhooks} webhooks, ${sent} were sent`);
    if (stats.duplicates !== redelivered) checks.push(`${stats.duplicates} duplicates saved, ${redelivered} sent`);
    if (stats.calls !== played.length) checks.push(`the app saved ${stats.calls} calls, ${played.length} played`);
    if (stats.leads !== newCallers.size) checks.push(`${stats.leads} leads, expected ${newCallers.size}`);
  }
  console.log(
    [
      `  calls       ${played.length}: ${Object.entries(outcomes)
        .map(([outcome, count]) => `${count} ${outcome.replace('_', ' ')}`)
        .join(', ')}`,
      `  webhooks    ${sent} sent (${redelivered} redelivered, answered without running the handlers again)`,
      `  leads       ${newCallers.size} (incoming calls from numbers the CRM did not know)`,
      `  agents      ${agentsSeen.length} seen, ${agentsSeen.filter((agent) => agent.name).length} named by the logs`,
      `  hunts       ${hunts ? 'as agents lists (one agent misses, the next answers)' : 'as the answering agent only'}`,
    ].join('\n'),
  );
  if (checks.length > 0) return fail(`${checks.length} check(s) failed:\n  ${checks.join('\n  ')}`);
  console.log(
    `  ${paint(32, 'verified:')} every call saved and finished with its outcome, ring and talk time, agent and ` +
      'lead; no event time after its arrival',
  );
  return shutdown(0, `\nThe board was at ${base}/ (run "npm run demo" without --once, or CI unset, to keep it up).`);
}

main().catch((error) => fail(error?.stack ?? String(error)));
