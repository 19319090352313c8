// The package's logging: a pino-compatible logger (pino, pino-http's req.log, console...) called as
// `(fields, message)`, guarded so that a logger that throws changes nothing, and deferred to a later task so
// that writing a line never sits on the answer's path. Fields never carry secrets, phone numbers or error text.

/** A level the package logs at. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Structured fields of one log line (bounded values only). */
export type LogFields = Readonly<Record<string, string | number | boolean | null>>;

/**
 * What the package needs of a logger: any of `debug`, `info`, `warn`, `error`, called as pino takes them,
 * `(fields, message)`. `error` is required; the others are used when present.
 * @example pino()
 * @example console
 */
export interface CallEventsLogger {
  debug?: LogMethod;
  info?: LogMethod;
  warn?: LogMethod;
  error: LogMethod;
}

/** One level's method: pino's `(fields, message)`, or a plain `(message)` logger (it then gets the fields first). */
export type LogMethod = ((fields: LogFields, message: string) => void) | ((message: string) => void);

const PREFIX = '[myoperator-webhooks]';

type Line = readonly [level: LogLevel, fields: LogFields, message: string];

/** Writes lines to a logger, never throwing and never on the caller's turn. */
export class SafeLogger {
  readonly #logger: CallEventsLogger | null;
  readonly #console: boolean;
  readonly #levels: ReadonlySet<LogLevel>;
  readonly #isLevelEnabled: ((...args: unknown[]) => unknown) | null;
  #queue: Line[] = [];
  #scheduled = false;

  /** `console` logs `warn` and `error` only (nothing per event); `false` logs nothing. */
  constructor(logger: CallEventsLogger | false) {
    this.#logger = logger === false ? null : logger;
    this.#console = logger === console;
    const levels = new Set<LogLevel>();
    if (logger !== false) {
      for (const level of ['debug', 'info', 'warn', 'error'] as const) {
        if (this.#console && (level === 'debug' || level === 'info')) continue;
        if (typeof readMethod(logger, level) === 'function') levels.add(level);
      }
    }
    this.#levels = levels;
    const isLevelEnabled = logger === false ? undefined : readMethod(logger, 'isLevelEnabled');
    this.#isLevelEnabled =
      typeof isLevelEnabled === 'function' ? (isLevelEnabled as (...args: unknown[]) => unknown) : null;
  }

  /**
   * Whether a line at `level` would be written (so callers skip building fields nobody reads): the logger has the
   * method, and, for a pino logger, its level lets the line through (`isLevelEnabled`).
   */
  enabled(level: LogLevel): boolean {
    if (!this.#levels.has(level)) return false;
    if (this.#isLevelEnabled === null) return true;
    try {
      return Reflect.apply(this.#isLevelEnabled, this.#logger, [level]) !== false;
    } catch {
      return true;
    }
  }

  /** Queues one line; it is written on a later task, in order. */
  log(level: LogLevel, fields: LogFields, message: string): void {
    if (!this.#levels.has(level)) return;
    this.#queue.push([level, fields, message]);
    if (this.#scheduled) return;
    this.#scheduled = true;
    setTimeout(() => {
      this.#flush();
    }, 0);
  }

  #flush(): void {
    const lines = this.#queue;
    this.#queue = [];
    this.#scheduled = false;
    const logger = this.#logger;
    if (logger === null) return;
    for (const [level, fields, message] of lines) {
      try {
        if (this.#console) {
          const method = level === 'error' ? console.error : console.warn;
          method(`${PREFIX} ${message} ${JSON.stringify(fields)}`);
        } else {
          const method = readMethod(logger, level);
          if (typeof method === 'function') Reflect.apply(method, logger, [fields, `${PREFIX} ${message}`]);
        }
      } catch {
        // A logger that throws is the app's problem, never the event's.
      }
    }
  }
}

/** A logger's method, read without trusting its getters. */
function readMethod(logger: object, level: LogLevel | 'isLevelEnabled'): unknown {
  try {
    return (logger as Record<string, unknown>)[level];
  } catch {
    return undefined;
  }
}

/**
 * A short, printable name for any thrown value (its constructor's or `typeof`), read without trusting getters,
 * proxies or prototypes: never the error's message, which may carry request data.
 */
export function describeThrown(value: unknown): string {
  try {
    if (value === null) return 'null';
    if (typeof value !== 'object' && typeof value !== 'function') return typeof value;
    const name = (value as { name?: unknown }).name;
    if (typeof name === 'string' && /^[A-Za-z_$][\w$]{0,63}$/.test(name)) return name;
    return typeof value;
  } catch {
    return 'unreadable value';
  }
}
