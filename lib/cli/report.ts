// What the CLI prints: one line per request with its status, a progress line on long runs, and the summary
// (requests, statuses, latency p50/p99) that decides the exit code; or the same as JSON lines with --json.

import type { Delivery } from './target';

/** Where the CLI writes: stdout for results, stderr for progress and problems. */
export interface CliOutput {
  out(line: string): void;
  err(line: string): void;
  /** Colour the output (a terminal, and NO_COLOR unset). */
  color: boolean;
}

/** One request as it is reported. */
export interface RequestReport {
  /** The call's number in the run (1-based), `null` for `send`. */
  call: number | null;
  scenario: string | null;
  uid: string | null;
  /** `state 6`, `after-call log`, `call.answered`, or the file sent. */
  step: string;
  /** The event the payload stands for, when known. */
  event: string | null;
  /** The second delivery of `--duplicate`. */
  repeat: boolean;
  delivery: Delivery;
}

/** The value at quantile `q` (nearest rank) of numbers sorted ascending; 0 for none. */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1] ?? 0;
}

const PROGRESS_EVERY_MS = 2000;
const round = (ms: number): number => Math.round(ms * 10) / 10;

/** Collects the results of a run and prints them. */
export class Reporter {
  readonly #output: CliOutput;
  readonly #quiet: boolean;
  readonly #json: boolean;
  readonly #totalRequests: number;
  readonly #started = performance.now();
  readonly #latencies: number[] = [];
  readonly #statuses = new Map<string, number>();
  #sent = 0;
  #failed = 0;
  #duplicates = 0;
  #lastProgress = performance.now();

  constructor(output: CliOutput, options: { quiet: boolean; json: boolean; totalRequests: number }) {
    this.#output = output;
    this.#quiet = options.quiet;
    this.#json = options.json;
    this.#totalRequests = options.totalRequests;
  }

  #paint(code: number, text: string): string {
    return this.#output.color && !this.#json ? `\u001b[${code}m${text}\u001b[0m` : text;
  }

  /** Prints a line of prose (not in --json mode, where stdout holds JSON lines only). */
  say(line: string): void {
    if (!this.#json) this.#output.out(line);
  }

  /** Records one request and prints its line (and, every few seconds of a long run, a progress line). */
  record(report: RequestReport): void {
    const { delivery } = report;
    this.#sent++;
    const ok = delivery.status >= 200 && delivery.status < 300;
    if (!ok) this.#failed++;
    if (delivery.duplicate) this.#duplicates++;
    if (delivery.status !== 0) this.#latencies.push(delivery.ms);
    const statusKey = delivery.status === 0 ? 'no answer' : String(delivery.status);
    this.#statuses.set(statusKey, (this.#statuses.get(statusKey) ?? 0) + 1);

    if (this.#json) {
      this.#output.out(
        JSON.stringify({
          type: 'request',
          call: report.call,
          scenario: report.scenario,
          uid: report.uid,
          step: report.step,
          event: report.event,
          repeat: report.repeat,
          status: delivery.status,
          ok,
          duplicate: delivery.duplicate,
          ms: round(delivery.ms),
          problem: delivery.problem,
        }),
      );
    } else if (!this.#quiet || !ok) {
      const statusText = (delivery.status === 0 ? 'ERR' : String(delivery.status)).padEnd(3);
      const notes = [
        report.repeat ? 'resent' : null,
        delivery.duplicate ? 'duplicate: handlers not run again' : null,
        ok ? null : delivery.problem,
      ].filter((note): note is string => note !== null);
      const call = report.call === null ? (report.scenario ?? '') : `#${report.call} ${report.scenario ?? ''}`;
      const step = report.event === null ? report.step : `${report.step} -> ${report.event}`;
      const ms = delivery.status === 0 ? '' : `${Math.round(delivery.ms)} ms`;
      const columns = [this.#paint(ok ? 32 : 31, statusText), call.padEnd(28), (report.uid ?? '-').padEnd(24)];
      const tail = notes.length > 0 ? `  (${notes.join('; ')})` : '';
      this.#output.out(`${columns.join('  ')}  ${step.padEnd(34)} ${ms.padStart(7)}${tail}`);
    }

    const now = performance.now();
    if (now - this.#lastProgress >= PROGRESS_EVERY_MS && this.#sent < this.#totalRequests) {
      this.#lastProgress = now;
      this.#output.err(
        `... ${this.#sent}/${this.#totalRequests} requests, ${this.#failed} not 2xx, ` +
          `${((now - this.#started) / 1000).toFixed(1)} s`,
      );
    }
  }

  /** Prints the summary; returns the exit code (0 when every answer was 2xx, else 1). */
  finish(what: string): number {
    const seconds = (performance.now() - this.#started) / 1000;
    const sorted = [...this.#latencies].sort((a, b) => a - b);
    const statuses = [...this.#statuses.entries()].sort(([a], [b]) => a.localeCompare(b));
    const out = this.#output;
    if (this.#json) {
      out.out(
        JSON.stringify({
          type: 'summary',
          what,
          sent: this.#sent,
          statuses: Object.fromEntries(statuses),
          notOk: this.#failed,
          duplicates: this.#duplicates,
          p50: round(percentile(sorted, 0.5)),
          p99: round(percentile(sorted, 0.99)),
          seconds: round(seconds),
        }),
      );
      return this.#failed === 0 ? 0 : 1;
    }
    const byStatus = statuses.map(([status, count]) => `${status} x ${count}`).join(', ');
    out.out('');
    out.out(`Summary: ${what}`);
    out.out(`  sent      ${this.#sent} request${this.#sent === 1 ? '' : 's'} in ${seconds.toFixed(2)} s`);
    out.out(`  status    ${byStatus || 'none'}${this.#duplicates > 0 ? ` (${this.#duplicates} duplicate)` : ''}`);
    if (sorted.length > 0) {
      out.out(
        `  latency   p50 ${percentile(sorted, 0.5).toFixed(1)} ms, p99 ${percentile(sorted, 0.99).toFixed(1)} ms`,
      );
    }
    if (this.#failed === 0) {
      out.out(`  result    ${this.#paint(32, 'every answer was 2xx')}`);
      return 0;
    }
    const failed = `${this.#failed} answer${this.#failed === 1 ? ' was' : 's were'} not 2xx`;
    out.out(`  result    ${this.#paint(31, failed)}`);
    return 1;
  }
}
