// Starts the example app on 127.0.0.1 (`npm run example`): the webhook at /myoperator/incall and the call board
// at /, with its settings from the environment (see config.ts). Ctrl-C or SIGTERM stops it cleanly.

import { createExampleApp } from './app';
import { configFromEnv } from './config';

const config = configFromEnv();
const example = createExampleApp({
  databasePath: config.databasePath,
  auth: config.auth,
  log: (line) => console.log(`  ${new Date().toISOString().slice(11, 19)}  ${line}`),
});

const server = example.app.listen(config.port, '127.0.0.1', () => {
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  const base = `http://127.0.0.1:${port}`;
  console.log(`MyOperator example app listening on ${base}`);
  console.log(`  call board   ${base}/`);
  console.log(`  webhook      ${base}/myoperator/incall   (GET or POST)`);
  console.log(`  database     ${config.databasePath}`);
  for (const warning of config.warnings) console.log(`  note         ${warning}`);
});

server.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EADDRINUSE') {
    console.error(`Port ${config.port} is in use. Start on another one: PORT=3001 npm run example`);
  } else {
    console.error(`The example app could not start: ${error.message}`);
  }
  example.close();
  process.exit(1);
});

let stopping = false;
function stop(): void {
  if (stopping) return;
  stopping = true;
  example.close();
  server.close(() => process.exit(0));
  server.closeAllConnections();
}

process.on('SIGINT', stop);
process.on('SIGTERM', stop);

// Started by the demo: stop when the demo's end of the pipe closes, even if the demo was killed outright.
if (process.env.EXAMPLE_STOP_ON_STDIN_END === '1') {
  process.stdin.on('end', stop);
  process.stdin.on('error', stop);
  process.stdin.resume();
}
