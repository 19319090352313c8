// Which cores the benchmark's processes run on: the load generator (and the runner) on one, every server (and
// redis-server) on another, with `taskset`; how to start a process there; and the CPU time of a process that is
// not Node (redis-server), from /proc.

import { spawn, spawnSync, type ChildProcess, type StdioOptions } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

export interface Pinning {
  /** The core list (`taskset -c` form) of the load generator and the runner, or null when not pinned. */
  loadCores: string | null;
  /** The core list of the servers, redis-server and the micro-benchmarks, or null when not pinned. */
  serverCores: string | null;
  /** One line for the output: what was pinned where, or why nothing was. */
  note: string;
}

/** The cores this process may run on (Linux: /proc/self/status), else 0 .. availableParallelism() - 1. */
function allowedCores(): number[] {
  try {
    const line = /^Cpus_allowed_list:\s*(.+)$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    if (line) {
      const cores = line
        .trim()
        .split(',')
        .flatMap((range) => {
          const [from, to] = range.split('-').map(Number);
          if (from === undefined || !Number.isInteger(from)) return [];
          const last = to === undefined ? from : to;
          return Array.from({ length: last - from + 1 }, (_, index) => from + index);
        });
      if (cores.length > 0) return cores;
    }
  } catch {
    // not Linux: fall through
  }
  return Array.from({ length: availableParallelism() }, (_, index) => index);
}

function hasTaskset(): boolean {
  return spawnSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' }).status === 0;
}

/** Decides the pinning (BENCH_PIN=0 turns it off) and pins this process (the runner) to the load core. */
export function choosePinning(): Pinning {
  const cores = allowedCores();
  if (process.env.BENCH_PIN === '0') {
    return { loadCores: null, serverCores: null, note: 'pinning off (BENCH_PIN=0): all processes share all cores' };
  }
  if (!hasTaskset()) {
    return {
      loadCores: null,
      serverCores: null,
      note: 'pinning off: taskset not found; the servers and the load generator share all cores',
    };
  }
  if (cores.length < 2) {
    return {
      loadCores: null,
      serverCores: null,
      note: `pinning off: only ${cores.length} core; the servers and the load generator share it`,
    };
  }
  const loadCores = String(cores[0]);
  // One core for every server: only one of them is under load at a time, and redis-server shares it with the
  // server that talks to it, as a co-located Redis would (its CPU time is counted either way).
  const serverCores = String(cores[1]);
  spawnSync('taskset', ['-a', '-p', '-c', loadCores, String(process.pid)], { stdio: 'ignore' });
  return {
    loadCores,
    serverCores,
    note:
      `pinned with taskset: load generator and runner on core ${loadCores}, servers and redis-server on core ` +
      `${serverCores} (${cores.length} cores allowed: ${cores.join(',')})`,
  };
}

/** Starts `command args` on `cores` (through `taskset -c`, which execs it: the child's pid is the command's). */
export function spawnPinned(
  cores: string | null,
  command: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; stdio: StdioOptions },
): ChildProcess {
  return cores === null ? spawn(command, args, options) : spawn('taskset', ['-c', cores, command, ...args], options);
}

let clockTicks: number | null = null;

/** Clock ticks per second of /proc's CPU times (`getconf CLK_TCK`, 100 on Linux almost everywhere). */
function ticksPerSecond(): number {
  if (clockTicks === null) {
    const output = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout;
    const value = Number(typeof output === 'string' ? output.trim() : '');
    clockTicks = Number.isInteger(value) && value > 0 ? value : 100;
  }
  return clockTicks;
}

/** User + system CPU time of a process and all its threads so far (Linux /proc/<pid>/stat), in microseconds. */
export function procCpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The fields after the command name (which may hold spaces), starting with field 3 (state).
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error(`cannot read /proc/${pid}/stat`);
  return ((utime + stime) * 1e6) / ticksPerSecond();
}

/** Whether /proc/<pid>/stat can be read here (Linux). */
export function canReadProcCpu(pid: number): boolean {
  try {
    procCpuMicros(pid);
    return true;
  } catch {
    return false;
  }
}
