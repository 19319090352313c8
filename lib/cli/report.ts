// What the CLI prints: one line per request with its status, a progress bar on long runs in a terminal, one hint
// or warning where an answer calls for it, and the summary (requests, statuses, latency p50/p99) that decides the
// exit code; or the same as JSON lines with --json.

import { missingEventFields, type Delivery, type Target } from './target';

const BIN = 'myoperator-webhooks';

/** Where the CLI writes: stdout for results, stderr for progress and problems. */
export interface CliOutput {
  out(line: string): void;
  err(line: string): void;
  /** Colour the output (a terminal, and NO_COLOR unset). */
  color: boolean;
  /**
   * A terminal to draw the progress bar on (stdout and stderr are terminals): `write` takes text without a
   * newline. Absent: no bar (a progress line every few seconds instead, unless --json).
   */
  terminal?: { write(text: string): void; columns: number } | undefined;
}

/** One request as it is reported. */
export interface RequestReport {
  /** The call's number in the run (1-based), `null` for `send`. */
  call: number | null;
  scenario: string | null;
  uid: string | null;
  /** `state 6`, `after-call log`, `call.answered`, or the file sent. */
  step: string;
  /** The event the payload was sent as (what the package reads from it), when known. */
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

/** `19 s`, `4:05`, `1:02:03`. */
function duration(seconds: number): string {
  const whole = Math.max(0, Math.round(seconds));
  if (whole < 60) return `${whole} s`;
  const [h, m, s] = [Math.floor(whole / 3600), Math.floor((whole % 3600) / 60), whole % 60];
  const pad = (value: number): string => String(value).padStart(2, '0');
  return h > 0 ? `${h}:${pad(m)}:${pad(s)}` : `${m}:${pad(s)}`;
}

/** Where a run stands, as the progress bar and the progress line show it. */
export interface ProgressState {
  done: number;
  total: number;
  notOk: number;
  elapsedMs: number;
}

function progressFacts({ done, total, notOk, elapsedMs }: ProgressState): string[] {
  const rate = elapsedMs > 0 ? (done * 1000) / elapsedMs : 0;
  const eta = rate > 0 ? duration((total - done) / rate) : '?';
  return [
    `${done}/${total} requests`,
    `${rate >= 10 ? Math.round(rate) : rate.toFixed(1)}/s`,
    `ETA ${eta}`,
    ...(notOk > 0 ? [`${notOk} not 2xx`] : []),
  ];
}

/**
 * The progress bar: `[######------] 1200/9000 requests  13%  410/s  ETA 19 s`, fitted to `columns`.
 * @example formatProgressBar({ done: 50, total: 200, notOk: 0, elapsedMs: 5000 }, 80)
 */
export function formatProgressBar(state: ProgressState, columns: number): string {
  const percent = state.total > 0 ? Math.floor((state.done * 100) / state.total) : 100;
  const facts = progressFacts(state);
  const text = ` ${facts[0] ?? ''}  ${percent}%  ${facts.slice(1).join('  ')}`;
  const width = Math.max(10, Math.min(40, columns - text.length - 3));
  const filled = state.total > 0 ? Math.round((width * state.done) / state.total) : width;
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]${text}`.slice(0, Math.max(columns - 1, 20));
}

/** The progress line for output that is not a terminal: `... 1200/9000 requests, 410/s, ETA 19 s, 12.3 s`. */
export function formatProgressLine(state: ProgressState): string {
  return `... ${progressFacts(state).join(', ')}, ${(state.elapsedMs / 1000).toFixed(1)} s`;
}

/** The first few validation details of a 422, `/call_state must be string; /uid ...; +2 more`. */
function detailsText(delivery: Delivery): string | null {
  if (delivery.details.length === 0) return null;
  const shown = delivery.details.slice(0, 3).map((detail) => `${detail.path || '(the log)'} ${detail.message}`);
  const more = delivery.details.length - shown.length;
  return `${shown.join('; ')}${more > 0 ? `; +${more} more` : ''}`;
}

/** Runs shorter than this never show progress. */
const PROGRESS_AFTER_MS = 2000;
const PROGRESS_LINE_EVERY_MS = 2000;
const BAR_EVERY_MS = 100;
const round = (ms: number): number => Math.round(ms * 10) / 10;

/** Collects the results of a run and prints them. */
export class Reporter {
  readonly #output: CliOutput;
  readonly #quiet: boolean;
  readonly #json: boolean;
  readonly #totalRequests: number;
  readonly #target: Target;
  readonly #started = performance.now();
  readonly #latencies: number[] = [];
  readonly #statuses = new Map<string, number>();
  #sent = 0;
  #failed = 0;
  #duplicates = 0;
  #lastProgress = performance.now();
  #barShown = false;
  #barTimer: NodeJS.Timeout | null = null;
  #hinted401 = false;
  #warnedQuery = false;
  #unreachable: { reason: string; code: string | null } | null = null;

  constructor(output: CliOutput, options: { quiet: boolean; json: boolean; totalRequests: number; target: Target }) {
    this.#output = output;
    this.#quiet = options.quiet;
    this.#json = options.json;
    this.#totalRequests = options.totalRequests;
    this.#target = options.target;
    if (output.terminal && !this.#json) {
      // Redrawn on a timer too, so that the elapsed time and ETA move while a slow answer is awaited.
      this.#barTimer = setInterval(() => this.#drawBar(), 250);
      this.#barTimer.unref();
    }
  }

  /** Whether a connection failure stopped the run (nothing more should be sent). */
  get stopped(): boolean {
    return this.#unreachable !== null;
  }

  #paint(code: number, text: string): string {
    return this.#output.color && !this.#json ? `\u001b[${code}m${text}\u001b[0m` : text;
  }

  #clearBar(): void {
    if (!this.#barShown) return;
    this.#output.terminal?.write('\r\u001b[K');
    this.#barShown = false;
  }

  #drawBar(force = false): void {
    const terminal = this.#output.terminal;
    if (!terminal || this.#json || this.stopped) return;
    const now = performance.now();
    if (now - this.#started < PROGRESS_AFTER_MS || this.#sent >= this.#totalRequests) return;
    if (!force && this.#barShown && now - this.#lastProgress < BAR_EVERY_MS) return;
    this.#lastProgress = now;
    const state = { done: this.#sent, total: this.#totalRequests, notOk: this.#failed, elapsedMs: now - this.#started };
    terminal.write(`\r\u001b[K${formatProgressBar(state, terminal.columns)}`);
    this.#barShown = true;
  }

  #out(line: string): void {
    this.#clearBar();
    this.#output.out(line);
  }

  #err(line: string): void {
    this.#clearBar();
    this.#output.err(line);
  }

  /** Prints a line of prose (not in --json mode, where stdout holds JSON lines only). */
  say(line: string): void {
    if (!this.#json) this.#out(line);
  }

  /** Records one request and prints its line, and the run's one hint or warning when this answer calls for it. */
  record(report: RequestReport): void {
    const { delivery } = report;
    if (delivery.unreachable !== null) {
      // The run stops: this request and the rest are counted as not sent, in one line at the end.
      this.#unreachable ??= { reason: delivery.unreachable, code: delivery.problem };
      return;
    }
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
          queryEvent: delivery.queryEvent?.name ?? null,
          repeat: report.repeat,
          status: delivery.status,
          ok,
          duplicate: delivery.duplicate,
          ms: round(delivery.ms),
          problem: delivery.problem,
          ...(delivery.details.length > 0 ? { details: delivery.details } : {}),
        }),
      );
    } else if (!this.#quiet || !ok) {
      this.#out(this.#line(report, ok));
    }
    this.#adviseOn(report, ok);
    this.#progress();
  }

  #line(report: RequestReport, ok: boolean): string {
    const { delivery } = report;
    const statusText = (delivery.status === 0 ? 'ERR' : String(delivery.status)).padEnd(3);
    const problem = ok ? null : [delivery.problem, detailsText(delivery)].filter(Boolean).join(': ') || null;
    const notes = [
      report.repeat ? 'resent' : null,
      delivery.duplicate ? 'duplicate: handlers not run again' : null,
      problem,
    ].filter((note): note is string => note !== null);
    const call = report.call === null ? (report.scenario ?? '') : `#${report.call} ${report.scenario ?? ''}`;
    // The answer does not say which event the server built: say what was sent, and for GET what the query says.
    const queryEvent = delivery.queryEvent;
    const differs = queryEvent !== null && queryEvent.name !== report.event;
    const sentAs =
      report.event === null ? '' : ` (sent as ${report.event}${differs ? `; query says ${queryEvent.name}` : ''})`;
    const step = `${report.step}${sentAs}`;
    const ms = delivery.status === 0 ? '' : `${Math.round(delivery.ms)} ms`;
    const columns = [this.#paint(ok ? 32 : 31, statusText), call.padEnd(28), (report.uid ?? '-').padEnd(24)];
    const tail = notes.length > 0 ? `  (${notes.join('; ')})` : '';
    return `${columns.join('  ')}  ${step.padEnd(42)} ${ms.padStart(7)}${tail}`;
  }

  /** One hint per run for a 401, one warning per run for a GET the server took without knowing its event. */
  #adviseOn(report: RequestReport, ok: boolean): void {
    const { delivery } = report;
    if (delivery.status === 401 && !this.#hinted401) {
      this.#hinted401 = true;
      const target = this.#target;
      const headerNames = target.headers.map((line) => `"${line.slice(0, line.indexOf(':')).trim()}"`);
      const sent = [
        headerNames.length > 0 ? `header ${headerNames.join(', ')}` : 'no --header',
        target.basic ? `--basic for "${target.basic.username}"` : 'no --basic',
      ].join(', ');
      this.#err(`hint: the webhook refused the credentials: check --header / --basic (this run sends ${sent})`);
    }
    const queryEvent = delivery.queryEvent;
    if (ok && queryEvent !== null && !this.#warnedQuery && (queryEvent.name === 'unknown' || queryEvent.uid === null)) {
      this.#warnedQuery = true;
      const missing = missingEventFields(this.#target);
      this.#err(
        missing.length > 0
          ? `warning: the webhook answered ${delivery.status} to a GET whose query cannot say which event of which ` +
              `call it is (--query maps no ${missing.join(' and no ')}): the server builds it as "unknown"; ` +
              'map them too (--query state=callState --query uid=uid)'
          : `warning: the webhook answered ${delivery.status} to a GET whose query says "${queryEvent.name}" ` +
              `(${report.step}, sent as ${report.event ?? 'unknown'}, has no call state for the query); ` +
              'a POST webhook carries the whole log',
      );
    }
  }

  #progress(): void {
    if (this.#output.terminal) {
      if (!this.#json) this.#drawBar();
      return;
    }
    const now = performance.now();
    if (this.#json || this.#sent >= this.#totalRequests) return;
    if (now - this.#started < PROGRESS_AFTER_MS || now - this.#lastProgress < PROGRESS_LINE_EVERY_MS) return;
    this.#lastProgress = now;
    const state = { done: this.#sent, total: this.#totalRequests, notOk: this.#failed, elapsedMs: now - this.#started };
    this.#err(formatProgressLine(state));
  }

  /** Prints the summary (and the one line saying why the run stopped, if it did); returns the exit code. */
  finish(what: string): number {
    if (this.#barTimer !== null) clearInterval(this.#barTimer);
    this.#clearBar();
    const seconds = (performance.now() - this.#started) / 1000;
    const sorted = [...this.#latencies].sort((a, b) => a - b);
    const statuses = [...this.#statuses.entries()].sort(([a], [b]) => a.localeCompare(b));
    const out = this.#output;
    const unreachable = this.#unreachable;
    const notSent = unreachable === null ? 0 : this.#totalRequests - this.#sent;
    const exitCode = this.#failed === 0 && unreachable === null ? 0 : 1;
    const stopLine = (): void => {
      if (unreachable === null) return;
      const { origin, pathname } = this.#target.url;
      const code = unreachable.code !== null && /^[A-Z_]+$/.test(unreachable.code) ? ` (${unreachable.code})` : '';
      out.err(
        `${BIN}: cannot reach ${origin}${pathname}: ${unreachable.reason}${code}; stopped, ` +
          `${notSent} of ${this.#totalRequests} request${this.#totalRequests === 1 ? '' : 's'} not sent`,
      );
    };
    if (this.#json) {
      out.out(
        JSON.stringify({
          type: 'summary',
          what,
          sent: this.#sent,
          notSent,
          unreachable: unreachable?.reason ?? null,
          statuses: Object.fromEntries(statuses),
          notOk: this.#failed,
          duplicates: this.#duplicates,
          p50: round(percentile(sorted, 0.5)),
          p99: round(percentile(sorted, 0.99)),
          seconds: round(seconds),
        }),
      );
      stopLine();
      return exitCode;
    }
    // Stopped before anything was answered: one line says it all.
    if (unreachable !== null && this.#sent === 0) {
      stopLine();
      return exitCode;
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
    if (exitCode === 0) {
      out.out(`  result    ${this.#paint(32, 'every answer was 2xx')}`);
      return 0;
    }
    const failed =
      unreachable !== null
        ? `stopped: ${notSent} not sent${this.#failed > 0 ? `, ${this.#failed} not 2xx` : ''}`
        : `${this.#failed} answer${this.#failed === 1 ? ' was' : 's were'} not 2xx`;
    out.out(`  result    ${this.#paint(31, failed)}`);
    stopLine();
    return 1;
  }
}
