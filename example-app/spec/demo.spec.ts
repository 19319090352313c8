// `npm run demo` as users run it, its output not a terminal (a file, a pipe, Docker without -t): without CI it keeps
// the board up, with calls moving and their metrics at /metrics, until SIGTERM, then exits 0 with its port free;
// with CI=true it plays its shift, checks what the app saved and exits 0 by itself. Runs the demo on the package as
// built (`--no-build`).

import './built';

import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { nonZero, parsePrometheus } from './helpers';

const DEMO = join(__dirname, '..', '..', 'scripts', 'demo.mjs');

jest.setTimeout(90_000);

/** A port nothing listens on now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** Whether a port can be listened on (nothing holds it). */
function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

interface DemoRun {
  child: ChildProcessWithoutNullStreams;
  port: number;
  base: string;
  output: () => string;
  /** The exit code (or signal) once the demo has exited. */
  exited: Promise<number | string>;
  directory: string;
}

/** Starts the demo with pipes for its output (no terminal), on a free port and a temporary database. */
async function startDemo(args: readonly string[], env: Record<string, string>): Promise<DemoRun> {
  const port = await freePort();
  const directory = mkdtempSync(join(tmpdir(), 'myoperator-demo-'));
  const childEnv: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    DATABASE_PATH: join(directory, 'demo.db'),
    NO_COLOR: '1',
    ...env,
  };
  if (env.CI === undefined) delete childEnv.CI;
  delete childEnv.npm_lifecycle_event;
  const child = spawn(process.execPath, [DEMO, '--no-build', ...args], { env: childEnv, stdio: 'pipe' });
  let text = '';
  child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  return { child, port, base: `http://127.0.0.1:${port}`, output: () => text, exited, directory };
}

async function waitFor(what: string, run: DemoRun, check: () => boolean, withinMs: number): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what} within ${withinMs} ms; the demo said:\n${run.output()}`);
    await sleep(100);
  }
}

/** The promise's value, or `fallback` if it takes longer than `ms` (the timer cleared either way). */
async function within<T, F>(promise: Promise<T>, ms: number, fallback: F): Promise<T | F> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<F>((resolve) => (timer = setTimeout(() => resolve(fallback), ms)));
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url);
  expect(response.status).toBe(200);
  return (await response.json()) as T;
}

interface Stats {
  webhooks: number;
  calls: number;
}

describe('npm run demo, its output not a terminal', () => {
  let run: DemoRun | undefined;
  afterEach(async () => {
    if (run && run.child.exitCode === null && run.child.signalCode === null) {
      run.child.kill('SIGKILL');
      await run.exited;
    }
    if (run) rmSync(run.directory, { recursive: true, force: true });
    run = undefined;
  });

  it('keeps the board up with calls moving until SIGTERM, then exits 0 and frees its port', async () => {
    const started = Date.now();
    const demo = (run = await startDemo([], {}));
    let exitedEarly = false;
    void demo.exited.then(() => (exitedEarly = true));
    await waitFor('the board URL', demo, () => demo.output().includes('The call board:') || exitedEarly, 30_000);
    expect(exitedEarly).toBe(false);
    expect(demo.output()).toContain(`${demo.base}/`);

    await sleep(Math.max(0, started + 10_000 - Date.now()));
    expect(exitedEarly).toBe(false);
    const page = await fetch(`${demo.base}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('data-testid="agents-panel"');
    const before = await getJson<Stats>(`${demo.base}/api/stats`);
    expect(before.calls).toBeGreaterThanOrEqual(1);
    // Calls are moving: more webhooks and more calls a few seconds later, from more than one caller.
    const deadline = Date.now() + 20_000;
    let after = before;
    while ((after.webhooks <= before.webhooks || after.calls < 2) && Date.now() < deadline) {
      await sleep(500);
      after = await getJson<Stats>(`${demo.base}/api/stats`);
    }
    expect(after.webhooks).toBeGreaterThan(before.webhooks);
    expect(after.calls).toBeGreaterThanOrEqual(2);
    const { calls } = await getJson<{ calls: Array<{ caller: string }> }>(`${demo.base}/api/calls`);
    expect(new Set(calls.map((call) => call.caller)).size).toBeGreaterThanOrEqual(2);
    const { agents } = await getJson<{ agents: unknown[] }>(`${demo.base}/api/agents`);
    expect(agents.length).toBeGreaterThanOrEqual(2);
    // An operator scraping the app meanwhile sees the calls just played, by name, with the handlers' latency.
    expect(demo.output()).toContain(`${demo.base}/metrics`);
    const samples = parsePrometheus(await (await fetch(`${demo.base}/metrics`)).text());
    const sum = (name: string): number => Object.values(nonZero(samples, name)).reduce((a, b) => a + b, 0);
    expect(sum('myoperator_webhook_events_total')).toBeGreaterThanOrEqual(after.webhooks);
    expect(samples.get('myoperator_webhook_events_total{name="incoming_call",format="incall-v1"}')).toBeGreaterThan(0);
    expect(sum('myoperator_webhook_handler_duration_seconds_count')).toBeGreaterThan(0);
    expect(samples.has('process_cpu_user_seconds_total')).toBe(true);
    expect(exitedEarly).toBe(false);

    const stopping = Date.now();
    demo.child.kill('SIGTERM');
    const code = await within(demo.exited, 5000, 'still running after 5 s');
    expect(code).toBe(0);
    expect(Date.now() - stopping).toBeLessThan(5000);
    expect(await portIsFree(demo.port)).toBe(true);
    expect(demo.output()).toContain('Stopping (SIGTERM)');
  });

  it('with CI=true plays its shift, checks it and exits 0 by itself, its port free', async () => {
    const demo = (run = await startDemo([], { CI: 'true' }));
    const code = await within(demo.exited, 75_000, 'still running after 75 s');
    expect(code).toBe(0);
    expect(demo.output()).toContain('verified:');
    expect(demo.output()).not.toContain('!!');
    expect(await portIsFree(demo.port)).toBe(true);
  });
});
