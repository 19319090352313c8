// The load generator, in its own process: for each LoadOrder (warm-up, then the measured run) it runs autocannon
// with a new uid in every request body (so de-duplication never short-circuits) and sends back a LoadReport.

import autocannon from 'autocannon';

import { isLoadOrder, type LoadOrder, type LoadReport } from './common';

async function runLoad(order: LoadOrder): Promise<LoadReport> {
  let counter = 0;
  const { template } = order;
  const result = await autocannon({
    url: order.url,
    connections: order.connections,
    pipelining: 1,
    duration: order.seconds,
    timeout: 10,
    requests: [
      {
        method: 'POST',
        path: template.path,
        headers: template.headers,
        setupRequest: (request) => {
          counter++;
          request.body = `${template.before}${order.uidPrefix}.${counter}${template.after}`;
          return request;
        },
      },
    ],
  });
  return {
    requestsPerSecond: result.requests.total / result.duration,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    durationSeconds: result.duration,
  };
}

process.once('disconnect', () => process.exit(0));
process.on('message', (message: unknown) => {
  if (!isLoadOrder(message)) {
    console.error('load: expected a LoadOrder');
    process.exit(2);
  }
  // A watchdog: each phase is bounded in time even if the server stops answering.
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
