// A web process SIGKILLed while it receives events loses none: not when it dies between an event's claim and
// its enqueue (the claim is held, no job was stored: the redelivery, answered as a duplicate, still queues it),
// nor when it dies in the middle of a burst with requests in flight, which are delivered again to the other web
// process as MyOperator does. Real processes (fixtures/multi-process) on a real redis-server.

import { BullMQQueue } from '../../lib/bullmq';
import { startRedis, type RedisServer } from '../helpers/redis-server';
import { connect, delay, eventually } from './helpers';
import { deliveriesOf, Fleet, lineKey, send, shuffle, stop, type Delivery } from './processes';

jest.setTimeout(60_000);

let server: RedisServer;
let admin: ReturnType<typeof connect>;
let fleet: Fleet;
let monitor: BullMQQueue;
let unique = 0;

beforeAll(async () => {
  server = await startRedis();
  admin = connect(server);
});

beforeEach(() => {
  const queueName = `calls-webcrash-${process.pid}-${++unique}`;
  fleet = new Fleet(server, queueName, { HANDLER_MS: '5', STORE_TIMEOUT_MS: '1500', CONCURRENCY: '10' });
  monitor = new BullMQQueue({ connection: { url: server.url }, name: queueName });
});

afterEach(async () => {
  await monitor.close();
  await fleet.cleanup();
});

afterAll(async () => {
  admin.disconnect();
  await server.stop();
});

/** How many times each event's handlers completed, from the run log. */
function runsByEvent(): Map<string, number> {
  const runs = new Map<string, number>();
  for (const line of fleet.readLog())
    if (line.kind === 'run') runs.set(lineKey(line), (runs.get(lineKey(line)) ?? 0) + 1);
  return runs;
}

describe('a web process SIGKILLed while it receives events', () => {
  it('between the claim and the enqueue: the redelivery to another web process queues the event', async () => {
    const uid = 'n2.1596270949.6001';
    const [dying, web] = await Promise.all([
      fleet.start('web', { DIE_BEFORE_ENQUEUE: uid }),
      fleet.start('web'),
      fleet.start('worker'),
    ]);
    const [delivery] = deliveriesOf([uid], 1) as [Delivery];

    await send(delivery, dying);
    const diedWith = await stop(dying, 'SIGKILL');
    const cutOff = delivery.failure;
    // What the dead process left: the event's claim, and no job.
    const claimHeld = await admin.exists(`myoperator:claim:${uid}:incoming_call:1`);
    const countsAfterDeath = await monitor.counts();
    await send(delivery, web);
    const handled = await eventually(() => runsByEvent().get(delivery.event) === 1);
    await delay(500);

    expect([cutOff === undefined, diedWith]).toEqual([false, [null, 'SIGKILL']]);
    expect([claimHeld, countsAfterDeath]).toEqual([1, { waiting: 0, active: 0, delayed: 0, failed: 0, completed: 0 }]);
    // Answered as a duplicate (the dead process's claim is held), and handled all the same: once.
    expect([delivery.status, delivery.body]).toEqual([200, { ok: true, duplicate: true }]);
    expect(handled).toBe(true);
    expect([...runsByEvent()]).toEqual([[delivery.event, 1]]);
    expect(await monitor.counts()).toEqual({ waiting: 0, active: 0, delayed: 0, failed: 0, completed: 1 });
  });

  it('in the middle of a burst: what it did not answer is delivered again elsewhere, and every event runs once', async () => {
    const [dying, web] = await Promise.all([fleet.start('web'), fleet.start('web'), fleet.start('worker')]);
    const uids = Array.from({ length: 100 }, (_, index) => `n2.1596270949.${6100 + index}`);
    const deliveries = shuffle(deliveriesOf(uids, 1), 7);
    const killAt = 150;
    let next = 0;
    let inFlightAtKill = 0;
    let inFlight = 0;
    let killed = false;
    const sender = async (): Promise<void> => {
      for (;;) {
        const index = next++;
        const delivery = deliveries[index];
        if (delivery === undefined) return;
        if (index === killAt) {
          inFlightAtKill = inFlight;
          killed = true;
          await stop(dying, 'SIGKILL');
        }
        inFlight++;
        await send(delivery, killed ? web : dying);
        // MyOperator delivers again what got no answer: here at once, to the web process still up.
        if (delivery.failure !== undefined) await send(delivery, web);
        inFlight--;
      }
    };
    await Promise.all(Array.from({ length: 24 }, sender));
    const drained = await eventually(async () => (await monitor.counts()).completed === deliveries.length, 30_000);
    await delay(500);

    expect(inFlightAtKill).toBeGreaterThan(0);
    expect(deliveries.filter((delivery) => delivery.status !== 200 || delivery.failure !== undefined)).toEqual([]);
    expect(drained).toBe(true);
    const runs = runsByEvent();
    expect(deliveries.filter((delivery) => runs.get(delivery.event) !== 1).map((delivery) => delivery.event)).toEqual(
      [],
    );
    expect(runs.size).toBe(deliveries.length);
  });
});
