// How every benchmark server lives: bound to 127.0.0.1 on a free port, reporting its CPU time when asked, running
// the V8 CPU profiler around one burst when asked (`--profile`), exiting on SIGTERM or when the runner goes away.

import { writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { Session } from 'node:inspector';

import {
  announceListening,
  CPU_QUERY,
  isProfileStart,
  isProfileStop,
  type CpuUsage,
  type ProfileWritten,
} from '../common';

/** The profiler of this process: started and stopped by the runner around the profiled burst. */
function profiler(): { start(intervalMicros: number): void; stop(file: string): void } {
  let session: Session | null = null;
  return {
    start(intervalMicros) {
      session = new Session();
      session.connect();
      session.post('Profiler.enable');
      session.post('Profiler.setSamplingInterval', { interval: intervalMicros });
      session.post('Profiler.start');
    },
    stop(file) {
      const current = session;
      if (!current) return;
      current.post('Profiler.stop', (error, result) => {
        if (!error) writeFileSync(file, JSON.stringify(result.profile));
        current.disconnect();
        session = null;
        process.send?.({ profileWritten: error ? '' : file } satisfies ProfileWritten);
      });
    },
  };
}

/** Listens on 127.0.0.1 (port from BENCH_PORT, else a free one) and wires the exits and the runner's questions. */
export function serve(server: Server, about?: string): void {
  const exit = (): void => {
    server.closeAllConnections();
    process.exit(0);
  };
  process.once('SIGTERM', exit);
  process.once('SIGINT', exit);
  process.once('disconnect', exit);
  const profile = profiler();
  process.on('message', (message: unknown) => {
    if (message === CPU_QUERY) {
      const usage = process.cpuUsage();
      process.send?.({ cpuMicros: usage.user + usage.system } satisfies CpuUsage);
    } else if (isProfileStart(message)) {
      profile.start(message.profileStart.intervalMicros);
    } else if (isProfileStop(message)) {
      profile.stop(message.profileStop.file);
    }
  });
  server.keepAliveTimeout = 30_000;
  server.listen(Number(process.env.BENCH_PORT ?? 0), '127.0.0.1', () => {
    announceListening(server, about);
  });
}
