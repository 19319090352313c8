// The board's health strip: events in the last minute, duplicates and failures, read from the very metrics that
// GET /metrics serves (the package's counters in the app's prom-client registry), sampled every few seconds.

/** A metric as prom-client's `getMetricsAsJSON()` gives it (the part read here). */
export interface MetricJson {
  name: string;
  values: ReadonlyArray<{ value: number }>;
}

/** The counters the strip sums (their names and labels are the package's: docs/observability.md). */
export const HEALTH_METRICS = {
  events: ['myoperator_webhook_events_total'],
  duplicates: ['myoperator_webhook_duplicates_total'],
  failures: [
    'myoperator_webhook_handler_failures_total',
    'myoperator_webhook_store_errors_total',
    'myoperator_webhook_queue_errors_total',
  ],
} as const satisfies Record<string, readonly string[]>;

/** The counters' totals since the process (or, with several processes, each of them) started. */
export interface HealthTotals {
  /** Every event that reached dispatch, duplicates included. */
  events: number;
  /** Redeliveries answered without running the handlers again. */
  duplicates: number;
  /** Handler runs that failed, and store and queue failures. */
  failures: number;
}

/** What the strip shows. */
export interface BoardHealth extends HealthTotals {
  /** Events in the last minute (duplicates included). */
  eventsPerMinute: number;
  /** When it was read (ISO). */
  at: string;
}

function sum(metrics: readonly MetricJson[], names: readonly string[]): number {
  let total = 0;
  for (const metric of metrics) {
    if (!names.includes(metric.name)) continue;
    for (const value of metric.values) total += value.value;
  }
  return total;
}

/** The strip's totals from a registry's `getMetricsAsJSON()`. */
export function healthTotals(metrics: readonly MetricJson[]): HealthTotals {
  return {
    events: sum(metrics, HEALTH_METRICS.events),
    duplicates: sum(metrics, HEALTH_METRICS.duplicates),
    failures: sum(metrics, HEALTH_METRICS.failures),
  };
}

export interface HealthMonitorOptions {
  /** Reads the totals now (the app's registry, or every process's). */
  read: () => Promise<HealthTotals>;
  /** Told of the health each time it changed. */
  onChange?: (health: BoardHealth) => void;
  /** @default 2000 */
  intervalMs?: number;
}

const WINDOW_MS = 60_000;

/**
 * Samples the totals every `intervalMs`: events per minute is the count now less the count of the newest sample at
 * least a minute old (or of the first sample, when the app is younger than a minute). A count that went down (a
 * process restarted) counts as no events, never as a negative number.
 */
export class HealthMonitor {
  readonly #read: () => Promise<HealthTotals>;
  readonly #onChange: ((health: BoardHealth) => void) | undefined;
  /** Oldest first; the first one is the baseline of the minute. */
  readonly #samples: Array<{ at: number; events: number }> = [];
  readonly #timer: NodeJS.Timeout;
  #shown = '';
  #stopped = false;

  constructor(options: Readonly<HealthMonitorOptions>) {
    this.#read = options.read;
    this.#onChange = options.onChange;
    this.#timer = setInterval(() => void this.#tick(), options.intervalMs ?? 2000);
    this.#timer.unref();
    void this.#tick();
  }

  /** The health now (read afresh). */
  async read(): Promise<BoardHealth> {
    return this.#healthOf(await this.#read(), Date.now());
  }

  #healthOf(totals: HealthTotals, now: number): BoardHealth {
    const baseline = this.#samples[0]?.events ?? 0;
    return {
      eventsPerMinute: Math.max(0, totals.events - baseline),
      events: totals.events,
      duplicates: totals.duplicates,
      failures: totals.failures,
      at: new Date(now).toISOString(),
    };
  }

  async #tick(): Promise<void> {
    let totals: HealthTotals;
    try {
      totals = await this.#read();
    } catch {
      return; // a process did not answer: the next tick tries again
    }
    if (this.#stopped) return;
    const now = Date.now();
    this.#samples.push({ at: now, events: totals.events });
    // Keep, as the first sample, the newest one that is at least a minute old.
    while (this.#samples.length > 1 && this.#samples[1]!.at <= now - WINDOW_MS) this.#samples.shift();
    const health = this.#healthOf(totals, now);
    const shown = JSON.stringify({ ...health, at: undefined });
    if (shown !== this.#shown) {
      this.#shown = shown;
      this.#onChange?.(health);
    }
  }

  stop(): void {
    this.#stopped = true;
    clearInterval(this.#timer);
  }
}
