// How every benchmark server lives: bound to 127.0.0.1 on a free port, reporting its CPU time when asked, exiting
// on SIGTERM (so that --cpu-prof writes its profile) or when the runner goes away.

import type { Server } from 'node:http';

import { announceListening, CPU_QUERY, type CpuUsage } from '../common';

/** Listens on 127.0.0.1 (port from BENCH_PORT, else a free one) and wires the exits. */
export function serve(server: Server): void {
  const exit = (): void => {
    server.closeAllConnections();
    process.exit(0);
  };
  process.once('SIGTERM', exit);
  process.once('SIGINT', exit);
  process.once('disconnect', exit);
  process.on('message', (message: unknown) => {
    if (message !== CPU_QUERY) return;
    const usage = process.cpuUsage();
    process.send?.({ cpuMicros: usage.user + usage.system } satisfies CpuUsage);
  });
  server.keepAliveTimeout = 30_000;
  server.listen(Number(process.env.BENCH_PORT ?? 0), '127.0.0.1', () => {
    announceListening(server);
  });
}
