// One deadline for every call into a store or a queue: a dependency that hangs must cost an event its
// de-duplication (or its queueing), never a hung request. Web-standard timers only (no Node-only API).

/**
 * Settles as `operation` does, or rejects with `onTimeout()` once `ms` milliseconds passed. `late` receives a
 * value that arrived after the deadline (to give back a claim nobody will use). The timer never keeps a process
 * alive on its own.
 */
export function withDeadline<T>(
  operation: PromiseLike<T>,
  ms: number,
  onTimeout: () => Error,
  late?: (value: T) => void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      reject(onTimeout());
    }, ms);
    unrefTimer(timer);
    operation.then(
      (value) => {
        if (timedOut) late?.(value);
        else {
          clearTimeout(timer);
          resolve(value);
        }
      },
      (error: unknown) => {
        if (timedOut) return; // already rejected as a timeout
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

/** `timer.unref()` where the runtime has it (Node, Bun); a no-op where timers are plain numbers (browsers, Deno). */
export function unrefTimer(timer: unknown): void {
  if (typeof timer === 'object' && timer !== null && typeof (timer as { unref?: unknown }).unref === 'function') {
    (timer as { unref(): void }).unref();
  }
}
