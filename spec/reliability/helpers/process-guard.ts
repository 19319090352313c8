// Watches the real process (not jest's sandboxed copy) for uncaught exceptions, unhandled rejections and
// warnings, so a spec can assert that none fired while the code under test ran.

import { runInThisContext } from 'node:vm';

import { pollutedProperties, prototypeSnapshot } from './contract';

/** The host process: jest gives each spec a copy whose `on()` never sees the real process's events. */
export const hostProcess = runInThisContext('process') as NodeJS.Process;

export interface ProcessGuard {
  /** What fired since the guard was installed: `"<event>: <message>"`. */
  readonly fired: string[];
  /** Removes the listeners. */
  stop(): void;
}

function describeReason(reason: unknown): string {
  return reason instanceof Error ? `${reason.name}: ${reason.message}` : String(reason);
}

/** Installs listeners for `uncaughtException`, `unhandledRejection` and `MaxListenersExceededWarning`. */
export function watchProcess(): ProcessGuard {
  const fired: string[] = [];
  const onUncaught = (error: unknown): void => {
    fired.push(`uncaughtException: ${describeReason(error)}`);
  };
  const onRejection = (reason: unknown): void => {
    fired.push(`unhandledRejection: ${describeReason(reason)}`);
  };
  const onWarning = (warning: Error): void => {
    if (warning.name === 'MaxListenersExceededWarning') fired.push(`warning: ${warning.message}`);
  };
  hostProcess.on('uncaughtException', onUncaught);
  hostProcess.on('unhandledRejection', onRejection);
  hostProcess.on('warning', onWarning);
  return {
    fired,
    stop(): void {
      hostProcess.off('uncaughtException', onUncaught);
      hostProcess.off('unhandledRejection', onRejection);
      hostProcess.off('warning', onWarning);
    },
  };
}

/**
 * Watches the process around every test of the enclosing `describe`: none may end with an uncaught exception or
 * an unhandled rejection, and with `prototypes` none may leave Object.prototype (or its kin) changed.
 */
export function guardEveryTest(options: { prototypes?: boolean } = {}): void {
  let guard: ProcessGuard;
  const prototypes = options.prototypes === true ? prototypeSnapshot() : null;
  beforeEach(() => {
    guard = watchProcess();
  });
  afterEach(() => {
    guard.stop();
    expect(guard.fired).toEqual([]);
    if (prototypes !== null) {
      expect(prototypeSnapshot()).toBe(prototypes);
      expect(pollutedProperties()).toEqual([]);
    }
  });
}
