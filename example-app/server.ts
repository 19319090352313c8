// Starts the example app on 127.0.0.1 (`npm run example`): the webhook at /myoperator/incall, the call board at /,
// the Prometheus metrics at /metrics, with its settings from the environment (see config.ts). One process by
// default; with REDIS_URL, web and worker processes on one Redis (see processes.ts). Ctrl-C or SIGTERM stops it
// gracefully: nothing it accepted is lost.

import { configFromEnv, type ExampleConfig } from './config';
import { runExample } from './processes';

let config: ExampleConfig;
try {
  config = configFromEnv();
} catch (error) {
  console.error(`The example app could not start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(2);
}
runExample(config);
