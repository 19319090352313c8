// Durable delivery across real processes: 2 web processes and 2 worker processes (fixtures/multi-process) on one
// real redis-server. 200 calls of 5 events, each event delivered 3 times, shuffled, over HTTP to both web
// processes: every distinct event is handled, none lost, each once, but for the jobs a SIGKILLed worker had in
// hand (twice: counted from the workers' log); a web process SIGKILLed right after answering 200 loses none of its
// events; a handler that always fails ends in the failed set after `attempts` and `queue retry` runs it again;
// with Redis stopped every request is still answered in time and its handlers ran in the web process.
//
// Slow (process starts, a stalled-job recovery): left out of `npm run test:fast`, run by `npm test`.

import { BullMQQueue } from '../../lib/bullmq';
import { assertBuilt, runCli } from '../cli/helpers';
import { startRedis, type RedisServer } from '../helpers/redis-server';
import { delay, eventually } from './helpers';
import {
  deliveriesOf,
  Fleet,
  lineKey,
  send,
  shuffle,
  stop,
  type Delivery,
  type Fixture,
  type LogLine,
} from './processes';

jest.setTimeout(120_000);

const CALLS = 200;
const DELIVERIES_PER_EVENT = 3;
const ATTEMPTS = 3;
const CONCURRENCY = 5;
/** Requests in flight at once, spread over the web processes. */
const SENDERS = 8;
/** Lock and stalled-check intervals of the workers: a dead worker's jobs run again within about 3 s. */
const LOCK_MS = 2500;
const STALLED_MS = 500;
/** Each process's bound on a store or queue call (generous: a slow enqueue would run an event twice). */
const STORE_TIMEOUT_MS = 1500;
/** The answer every request must get within: the webhook's own 202 deadline, under MyOperator's ~5 s. */
const ANSWER_DEADLINE_MS = 4000;
const FAIL_UID = 'n2.1596270949.9999';
/** A worker hangs every handler after this many starts, to be killed with only hanging handlers in hand. */
const HANG_AFTER = 40;

let server: RedisServer;
let fleet: Fleet;
const queueName = `calls-mp-${process.pid}`;

beforeAll(async () => {
  assertBuilt();
  server = await startRedis();
  fleet = new Fleet(server, queueName, {
    HANDLER_MS: '10',
    FAIL_UIDS: FAIL_UID,
    ATTEMPTS: String(ATTEMPTS),
    BACKOFF_MS: '50',
    STORE_TIMEOUT_MS: String(STORE_TIMEOUT_MS),
    CONCURRENCY: String(CONCURRENCY),
    LOCK_MS: String(LOCK_MS),
    STALLED_MS: String(STALLED_MS),
  });
});

afterAll(async () => {
  await fleet.cleanup();
  await server.stop();
});

describe('2 web processes and 2 worker processes on one Redis', () => {
  it('handle every event once (twice only for jobs of a killed worker), through kills, failures and Redis down', async () => {
    const [webA, webB, , doomed] = await Promise.all([
      fleet.start('web'),
      fleet.start('web'),
      fleet.start('worker'),
      fleet.start('worker', { HANG_AFTER: String(HANG_AFTER) }),
    ]);
    const monitor = new BullMQQueue({ connection: { url: server.url }, name: queueName });
    try {
      // ---- The burst: 200 calls x 5 events x 3 deliveries, and one call whose handler always fails. ----
      const uids = Array.from({ length: CALLS }, (_, index) => `n2.1596270949.${3000 + index}`);
      const deliveries = shuffle([...deliveriesOf(uids, DELIVERIES_PER_EVENT), ...deliveriesOf([FAIL_UID], 1)], 12);
      const distinct = new Set(deliveries.map((delivery) => delivery.event));
      const failing = [...distinct].filter((event) => event.startsWith(`${FAIL_UID}|`));
      expect([distinct.size, failing.length]).toEqual([CALLS * 5 + 5, 5]);

      // The worker that hangs: once every slot holds a hanging handler, it is SIGKILLed and replaced.
      let replacement: Promise<Fixture> | null = null;
      const killWorker = (async (): Promise<void> => {
        const hanging = (): number =>
          fleet.readLog().filter((line) => line.kind === 'start' && line.pid === doomed.pid && line.hang === true)
            .length;
        if (!(await eventually(() => hanging() === CONCURRENCY, 60_000))) throw new Error('the worker never hung');
        await stop(doomed, 'SIGKILL');
        replacement = fleet.start('worker');
      })();

      // The web process killed right after answering: at the delivery a third of the way through.
      const killAt = Math.floor(deliveries.length / 3);
      const webs: Fixture[] = [webA, webB];
      let next = 0;
      let paused: Promise<void> | null = null;
      let inFlight = 0;
      let killedWebLast: Delivery | null = null;
      let webC: Promise<Fixture> | null = null;
      const sender = async (): Promise<void> => {
        for (;;) {
          while (paused !== null) await paused;
          const index = next++;
          const delivery = deliveries[index];
          if (delivery === undefined) return;
          if (index === killAt) {
            // Nothing else in flight: the process dies with every answer it gave sent, and no request half-done.
            let resume = (): void => {};
            paused = new Promise((resolve) => {
              resume = resolve;
            });
            while (inFlight > 0) await delay(5);
            await send(delivery, webA);
            await stop(webA, 'SIGKILL');
            killedWebLast = delivery;
            webs.splice(webs.indexOf(webA), 1);
            webC = fleet.start('web').then((web) => {
              webs.push(web);
              return web;
            });
            paused = null;
            resume();
            continue;
          }
          inFlight++;
          await send(delivery, webs[index % webs.length]!);
          inFlight--;
        }
      };
      const burstStarted = performance.now();
      await Promise.all(Array.from({ length: SENDERS }, sender));
      const burstMs = performance.now() - burstStarted;
      await killWorker;
      const [webCFixture, steadyToo] = await Promise.all([webC!, replacement!]);
      expect(steadyToo.kind).toBe('worker');

      const drained = await eventually(async () => {
        const counts = await monitor.counts();
        return counts.completed === CALLS * 5 && counts.failed === failing.length;
      }, 60_000);
      await delay(LOCK_MS + 2 * STALLED_MS); // time for a wrongly stalled job to run twice, were there one

      // Every delivery answered 200 in time, by a web process; each event accepted once, refused twice.
      expect(deliveries.filter((delivery) => delivery.failure !== undefined).map((d) => d.failure)).toEqual([]);
      expect(deliveries.filter((delivery) => delivery.status !== 200)).toEqual([]);
      expect(Math.max(...deliveries.map((delivery) => delivery.ms ?? Infinity))).toBeLessThan(ANSWER_DEADLINE_MS);
      const accepted = new Map<string, Delivery[]>();
      for (const delivery of deliveries) {
        if (JSON.stringify(delivery.body) === '{"ok":true}') {
          accepted.set(delivery.event, [...(accepted.get(delivery.event) ?? []), delivery]);
        } else expect(delivery.body).toEqual({ ok: true, duplicate: true });
      }
      expect([...distinct].filter((event) => accepted.get(event)?.length !== 1)).toEqual([]);

      expect(drained).toBe(true);
      const log = fleet.readLog();
      const problems = log.filter((line) => line.kind === 'error' && line.error !== 'HandlerError');
      expect(problems).toEqual([]); // no store or queue trouble: every event went through the queue
      const startsOf = new Map<string, LogLine[]>();
      const runsOf = new Map<string, LogLine[]>();
      for (const line of log) {
        const into = line.kind === 'start' ? startsOf : line.kind === 'run' ? runsOf : null;
        if (into === null) continue;
        const key = lineKey(line);
        into.set(key, [...(into.get(key) ?? []), line]);
      }
      const handled = [...distinct].filter((event) => !failing.includes(event));

      // None lost: every event handled, exactly once, by a worker.
      expect(handled.filter((event) => runsOf.get(event)?.length !== 1)).toEqual([]);
      expect(log.filter((line) => line.kind !== 'error' && line.kind !== 'closed' && line.where !== 'worker')).toEqual(
        [],
      );
      // Handler runs per event: 1, and 2 for exactly the jobs the killed worker had in hand.
      const cutShort = new Set(
        log
          .filter((line) => line.kind === 'start' && line.pid === doomed.pid && line.hang === true)
          .map((line) => lineKey(line)),
      );
      expect(cutShort.size).toBe(CONCURRENCY);
      expect(handled.filter((event) => startsOf.get(event)?.length !== (cutShort.has(event) ? 2 : 1))).toEqual([]);
      for (const event of cutShort) {
        expect(runsOf.get(event)?.map((line) => line.pid)).not.toContain(doomed.pid);
      }
      // The killed web process's events, the last one answered just before the kill included, were all handled.
      const byKilledWeb = [...accepted.values()].flat().filter((delivery) => delivery.answeredBy === webA.pid);
      expect(byKilledWeb.length).toBeGreaterThan(50);
      expect(killedWebLast).not.toBeNull();
      expect((killedWebLast as Delivery | null)?.answeredBy).toBe(webA.pid);
      // (the failing call's are counted with the failed set below)
      expect(
        byKilledWeb.filter((delivery) => !failing.includes(delivery.event) && runsOf.get(delivery.event)?.length !== 1),
      ).toEqual([]);
      // The failing handler: attempts 1..3 of 3 for each of its events, then the failed set.
      const failures = (): LogLine[] =>
        fleet
          .readLog()
          .filter((line) => line.kind === 'error' && line.uid === FAIL_UID && line.error === 'HandlerError');
      const attemptsOf = (lines: LogLine[]): string[] =>
        lines.map((line) => `${String(line.name)}:${String(line.attempt)}/${String(line.attempts)}`).sort();
      const oneRound = failing
        .flatMap((event) => [1, 2, 3].map((attempt) => `${event.split('|')[1]}:${attempt}/${ATTEMPTS}`))
        .sort();
      expect(attemptsOf(failures())).toEqual(oneRound);
      // A failing job the killed worker had in hand ran once more (a run cut short is not a failed attempt).
      const startsNow = (event: string): number =>
        fleet.readLog().filter((line) => line.kind === 'start' && lineKey(line) === event).length;
      const extra = (event: string): number => (cutShort.has(event) ? 1 : 0);
      expect(failing.map(startsNow)).toEqual(failing.map((event) => ATTEMPTS + extra(event)));

      // ---- The CLI: the counts, then the failed set run again (and failing again, the same way). ----
      const status = await runCli(['queue', 'status', '--redis', server.url, '--name', queueName, '--json']);
      expect(status).toEqual({
        code: 0,
        stdout: `${JSON.stringify({ waiting: 0, active: 0, delayed: 0, failed: failing.length, completed: CALLS * 5 })}\n`,
        stderr: '',
      });
      const retry = await runCli(['queue', 'retry', '--redis', server.url, '--name', queueName, '--json']);
      expect(retry).toEqual({ code: 0, stdout: `{"retried":${failing.length}}\n`, stderr: '' });
      expect(await eventually(() => failures().length === 2 * failing.length * ATTEMPTS, 30_000)).toBe(true);
      expect(await eventually(async () => (await monitor.counts()).failed === failing.length, 10_000)).toBe(true);
      expect(attemptsOf(failures())).toEqual([...oneRound, ...oneRound].sort());
      expect(failing.map(startsNow)).toEqual(failing.map((event) => 2 * ATTEMPTS + extra(event)));

      // ---- Redis stopped: every request answered in time, its handlers run in the web process. ----
      await server.stop();
      const downUids = ['n2.1596270949.7001', 'n2.1596270949.7002'];
      const down = deliveriesOf(downUids, 1);
      const live = [webB, webCFixture];
      await Promise.all(down.map((delivery, index) => send(delivery, live[index % live.length]!)));
      expect(down.map((delivery) => [delivery.status, delivery.body, delivery.failure])).toEqual(
        Array(down.length).fill([200, { ok: true }, undefined]),
      );
      expect(Math.max(...down.map((delivery) => delivery.ms ?? Infinity))).toBeLessThan(ANSWER_DEADLINE_MS);
      const downLog = fleet.readLog().filter((line) => downUids.includes(line.uid ?? ''));
      const downRuns = downLog.filter((line) => line.kind === 'run');
      expect(downRuns.map((line) => lineKey(line)).sort()).toEqual(down.map((delivery) => delivery.event).sort());
      expect(new Set(downRuns.map((line) => line.where))).toEqual(new Set(['web']));
      expect(downLog.filter((line) => line.kind === 'error' && line.error === 'QueueError')).toHaveLength(down.length);

      // ---- Redis back: events are queued and run by the workers again. ----
      await server.restart();
      let probe = 0;
      const backInWorkers = await eventually(async () => {
        const uid = `n2.1596270949.${8000 + probe++}`;
        await send(deliveriesOf([uid], 1)[0]!, live[probe % live.length]!);
        await delay(300);
        return fleet.readLog().some((line) => line.kind === 'run' && line.uid === uid && line.where === 'worker');
      }, 30_000);
      expect(backInWorkers).toBe(true);

      // ---- Every process stops gracefully on SIGTERM. ----
      const stopping = [...fleet.running];
      const exits = await Promise.all(stopping.map((fixture) => stop(fixture, 'SIGTERM')));
      expect(exits).toEqual(stopping.map(() => [0, null]));
      const closed = fleet.readLog().filter((line) => line.kind === 'closed');
      expect(closed.map((line) => line.pid).sort()).toEqual(stopping.map((fixture) => fixture.pid).sort());
      expect(closed.filter((line) => line.pending !== undefined && line.pending !== 0)).toEqual([]);
      process.stdout.write(
        `multi-process: ${deliveries.length} deliveries in ${Math.round(burstMs)} ms, ` +
          `${byKilledWeb.length} answered by the killed web process, ${cutShort.size} jobs run twice\n`,
      );
    } finally {
      await monitor.close();
    }
  });
});
