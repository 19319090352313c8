// startRedis(): a real, throw-away redis-server on a free 127.0.0.1 port (no persistence), that a test can kill
// and restart on the same port, so that the stores are proven against Redis itself, failures included.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createConnection, createServer } from 'node:net';

import { findRedisServer } from '../../scripts/test-tools';

/**
 * The redis-server binary, checked when a spec file imports this helper: without one, the file fails once with
 * this line (jest's "Test suite failed to run"), before any hook runs. Failing later, in a `beforeAll`, would
 * also fail every `afterAll(() => redis.stop())` with a TypeError that hides the cause.
 */
function redisServerBinary(): string {
  const found = findRedisServer();
  if (found.path === null) throw new Error(found.problem);
  const probe = spawnSync(found.path, ['--version'], { encoding: 'utf8', timeout: 10_000 });
  if (probe.error !== undefined || probe.status !== 0) {
    const why = probe.error?.message ?? (probe.stderr.trim() || `exit status ${String(probe.status)}`);
    throw new Error(
      `${found.path} --version failed (${why}): reinstall redis-server (apt-get install -y redis-server)`,
    );
  }
  return found.path;
}

const REDIS_SERVER = redisServerBinary();

/** A running redis-server, owned by one test file. */
export interface RedisServer {
  port: number;
  /** `redis://127.0.0.1:<port>` */
  url: string;
  /** Stops it (SIGTERM) and waits until it has exited. */
  stop(): Promise<void>;
  /** Kills it at once (SIGKILL), as a crash would. */
  kill(): void;
  /** Starts it again on the same port (empty: nothing was saved) and waits until it answers PING. */
  restart(): Promise<void>;
}

const READY_TIMEOUT_MS = 10_000;
const running = new Set<ChildProcess>();

// A test that fails half-way must not leave redis-servers behind.
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => {
        resolve(port);
      });
    });
  });
}

/** Whether a server on the port answers PING with PONG. */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let reply = '';
    const done = (answer: boolean): void => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(500, () => {
      done(false);
    });
    socket.once('error', () => {
      done(false);
    });
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString('latin1');
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}

const delay = (ms: number): Promise<void> =>
  new Promise((resolve) => {
    setTimeout(resolve, ms);
  });

/** Spawns redis-server on `port` and resolves once it answers PING; rejects (with its output) if it exits first. */
async function spawnRedis(port: number): Promise<ChildProcess> {
  const child = spawn(
    REDIS_SERVER,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--loglevel', 'warning'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  running.add(child);
  let output = '';
  const collect = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  // Set from the child's events while the loop below waits.
  const state: { exited: boolean; spawnError: Error | null } = { exited: false, spawnError: null };
  child.once('error', (error) => {
    state.spawnError = error;
    state.exited = true;
  });
  child.once('exit', () => {
    state.exited = true;
    running.delete(child);
  });
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (state.exited) {
      const hint = state.spawnError === null ? output.trim() : `${String(state.spawnError)} (${REDIS_SERVER})`;
      throw new Error(`redis-server on port ${port} did not start: ${hint}`);
    }
    if (await ping(port)) return child;
    await delay(50);
  }
  child.kill('SIGKILL');
  throw new Error(`redis-server on port ${port} did not answer PING within ${READY_TIMEOUT_MS} ms: ${output.trim()}`);
}

const exits = new WeakMap<ChildProcess, Promise<unknown>>();

/** Sends the signal (unless the process is already going) and resolves once the process has exited. */
async function stopChild(child: ChildProcess | null, signal: NodeJS.Signals): Promise<void> {
  if (child === null || child.exitCode !== null || child.signalCode !== null) return;
  let exited = exits.get(child);
  if (exited === undefined) {
    exited = once(child, 'exit');
    exits.set(child, exited);
    child.kill(signal);
  }
  await exited;
}

/**
 * Starts a real redis-server for a test file.
 * @example
 * let redis: RedisServer;
 * beforeAll(async () => { redis = await startRedis(); });
 * afterAll(() => redis.stop());
 */
export async function startRedis(): Promise<RedisServer> {
  let child: ChildProcess | null = null;
  let port = 0;
  // The free port may be taken between asking and binding: try a few.
  for (let attempt = 1; child === null; attempt++) {
    port = await freePort();
    try {
      child = await spawnRedis(port);
    } catch (error) {
      if (attempt >= 3) throw error;
    }
  }
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      await stopChild(child, 'SIGTERM');
      child = null;
    },
    kill() {
      // Not awaited (a crash is not polite); restart() and stop() wait until the process is gone.
      void stopChild(child, 'SIGKILL');
    },
    async restart() {
      await stopChild(child, 'SIGTERM');
      child = await spawnRedis(port);
    },
  };
}
