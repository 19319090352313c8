// The load generator, in its own process (pinned to its own core by the runner): for each LoadOrder it runs one
// burst of autocannon, each connection sending its own calls in order (bench/traffic.ts), and sends back a
// LoadReport.

import autocannon from 'autocannon';

import type { LoadReport } from './common';
import { bodyGenerator, isLoadOrder, type BodyGenerator, type LoadOrder } from './traffic';

function cpuMicros(): number {
  const usage = process.cpuUsage();
  return usage.user + usage.system;
}

async function runLoad(order: LoadOrder): Promise<LoadReport> {
  const { traffic } = order;
  const generators: BodyGenerator[] = [];
  const cpuBefore = cpuMicros();
  const result = await autocannon({
    url: order.url,
    connections: order.connections,
    pipelining: 1,
    duration: order.seconds,
    timeout: 10,
    // autocannon notices the end of `duration` at its next sample: every 100 ms instead of every second.
    sampleInt: 100,
    // The initial request is replaced by setupClient before anything is sent.
    requests: [{ method: 'POST', path: traffic.path, headers: traffic.headers }],
    // One generator per connection: with no pipelining, a connection's webhooks arrive in the order it sends them.
    setupClient: (client) => {
      const generator = bodyGenerator(traffic, order.uidPrefix, generators.length);
      generators.push(generator);
      client.setRequests([
        {
          method: 'POST',
          path: traffic.path,
          headers: traffic.headers,
          setupRequest: (request) => {
            request.body = generator.next();
            return request;
          },
        },
      ]);
    },
  });
  return {
    requestsPerSecond: result.requests.total / result.duration,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    requests: result.requests.total,
    redeliveries: generators.reduce((sum, generator) => sum + generator.redeliveries, 0),
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    durationSeconds: result.duration,
    loadCpuMicros: cpuMicros() - cpuBefore,
  };
}

process.once('disconnect', () => process.exit(0));
process.on('message', (message: unknown) => {
  if (!isLoadOrder(message)) {
    console.error('load: expected a LoadOrder');
    process.exit(2);
  }
  // A watchdog: each burst is bounded in time even if the server stops answering.
  const watchdog = setTimeout(
    () => {
      console.error('load: timed out');
      process.exit(3);
    },
    (message.seconds + 60) * 1000,
  );
  runLoad(message).then(
    (report) => {
      clearTimeout(watchdog);
      process.send?.(report);
    },
    (error: unknown) => {
      console.error('load:', error);
      process.exit(1);
    },
  );
});
