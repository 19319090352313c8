// A worker process SIGKILLed in the middle of a job does not lose it: once its lock expires, another worker's
// stalled-job check takes it back and runs it (small lockDuration and stalledInterval keep this fast).

import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

import { BullMQQueue } from '../../lib/bullmq';
import { startRedis, type RedisServer } from '../helpers/redis-server';
import { eventually, queuedEvent } from './helpers';

jest.setTimeout(60_000);

const ROOT = join(__dirname, '..', '..');
const WORKER = join(__dirname, 'fixtures', 'worker-process.ts');
const LOCK_MS = 1000;
const STALLED_MS = 500;

interface WorkerProcess {
  child: ChildProcess;
  /** The jobs it started, as it printed them. */
  started: Array<{ started: string; attempt: number; pid: number }>;
}

async function startWorker(server: RedisServer, name: string, hang: boolean): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER], {
    cwd: ROOT,
    env: {
      ...process.env,
      REDIS_URL: server.url,
      QUEUE_NAME: name,
      LOCK_MS: String(LOCK_MS),
      STALLED_MS: String(STALLED_MS),
      HANG: hang ? '1' : '0',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let errors = '';
  child.stderr.on('data', (chunk: Buffer) => {
    errors = (errors + chunk.toString()).slice(-4000);
  });
  const started: WorkerProcess['started'] = [];
  const lines = createInterface({ input: child.stdout });
  await new Promise<void>((resolve, reject) => {
    lines.on('line', (line) => {
      if (line === 'READY') resolve();
      else if (line.startsWith('{')) started.push(JSON.parse(line) as WorkerProcess['started'][number]);
    });
    child.once('exit', (code) => {
      reject(new Error(`the worker exited (${code}) before it was ready: ${errors}`));
    });
  });
  return { child, started };
}

async function kill(worker: WorkerProcess | undefined, signal: NodeJS.Signals): Promise<void> {
  if (worker === undefined || worker.child.exitCode !== null || worker.child.signalCode !== null) return;
  const exited = once(worker.child, 'exit');
  worker.child.kill(signal);
  await exited;
}

let server: RedisServer;
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  server = await startRedis();
});

afterEach(async () => {
  await Promise.all(workers.splice(0).map((worker) => kill(worker, 'SIGKILL')));
});

afterAll(async () => {
  await server.stop();
});

describe('a worker process killed mid-job', () => {
  it('loses no job: another worker runs it once the lock expires', async () => {
    const name = `calls-crash-${process.pid}`;
    const queue = new BullMQQueue({ connection: { url: server.url }, name });
    try {
      const first = await startWorker(server, name, true);
      workers.push(first);
      await queue.enqueue('k_crash', queuedEvent('n2.1.crash'));
      expect(await eventually(() => first.started.length === 1)).toBe(true);

      await kill(first, 'SIGKILL');
      const countsAfterKill = await queue.counts();
      const second = await startWorker(server, name, false);
      workers.push(second);
      const ranAgain = await eventually(async () => (await queue.counts()).completed === 1, 20_000);

      expect(countsAfterKill).toMatchObject({ active: 1, completed: 0 });
      expect(ranAgain).toBe(true);
      expect(first.started).toEqual([{ started: 'k_crash', attempt: 1, pid: first.child.pid }]);
      // A run cut short by a crash is not a failed attempt: the job runs again as attempt 1.
      expect(second.started).toEqual([{ started: 'k_crash', attempt: 1, pid: second.child.pid }]);
      expect(await queue.counts()).toEqual({ waiting: 0, active: 0, delayed: 0, failed: 0, completed: 1 });
    } finally {
      await queue.close();
    }
  });

  it('stops gracefully on SIGTERM when idle (the fixture used by the multi-process specs)', async () => {
    const name = `calls-term-${process.pid}`;
    const worker = await startWorker(server, name, false);
    workers.push(worker);

    const exited = once(worker.child, 'exit');
    worker.child.kill('SIGTERM');
    const [code, signal] = (await exited) as [number | null, NodeJS.Signals | null];

    expect([code, signal]).toEqual([0, null]);
  });
});
