// The CallQueue contract: what CallEvents needs from a durable queue to answer MyOperator as soon as an event is
// stored and run the handlers elsewhere (worker processes). `BullMQQueue` (myoperator-webhooks/bullmq) is the
// implementation the package ships; the contract is framework- and engine-free.

/** A `CallEvent` as a queue carries it: JSON-safe (times as ISO 8601 strings), revived by the worker. */
export type SerializedCallEvent = Record<string, unknown>;

/** The trace context of the span that received the event, so the worker's span can link to it. */
export interface QueuedTraceContext {
  traceId: string;
  spanId: string;
  traceFlags: number;
}

/** What one job holds. */
export interface QueuedCallEvent {
  /** The event, serialised with `serializeCallEvent()`. */
  event: SerializedCallEvent;
  /** The receiving span, when tracing is on. */
  trace: QueuedTraceContext | null;
}

/** One job handed to the worker's processor. */
export interface CallQueueJob {
  readonly id: string;
  readonly data: QueuedCallEvent;
  /** This attempt, 1-based. */
  readonly attempt: number;
  /** The most attempts the job gets. */
  readonly attempts: number;
}

/** How a worker runs jobs. */
export interface CallQueueWorkOptions {
  /** Jobs run at once by this worker. */
  concurrency: number;
  /** How long a job's lock lasts before another worker may take it as stalled (ms). */
  lockDuration?: number;
  /** How often stalled jobs are looked for (ms). */
  stalledInterval?: number;
  /**
   * Hears the worker's trouble outside any job (its connection lost, a stalled-job check failing); it keeps
   * running and reconnects by itself. A job's own failure is the processor's rejection, not reported here.
   */
  onError?: (error: Error) => void;
}

/** How one event is enqueued. */
export interface EnqueueOptions {
  /**
   * The caller's deadline: once it aborts, the queue gives up and never stores the job afterwards (the caller
   * then runs the handlers itself). Pass one: without it, a queue picks its own bound (BullMQQueue waits at
   * most 5 s for its first connection), which may outlast the caller's.
   */
  signal?: AbortSignal;
  /**
   * How long (ms) the job id refuses a second job whatever became of the first, completed and dropped from the
   * queue's records included. CallEvents passes its de-duplication TTL for every event with a key, so that a
   * redelivery it enqueues again (see `CallEvents`) never runs a job the queue already ran. Without it, a queue
   * refuses a job id only while it holds the job.
   */
  dedupeTtlMs?: number;
}

/** A running worker. */
export interface CallQueueWorker {
  /** Stops taking jobs; the job in hand finishes (or returns to the queue), then it resolves. */
  close(): Promise<void>;
}

/** How many jobs the queue holds, by state. */
export interface CallQueueCounts {
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
  completed: number;
}

/**
 * A durable queue of call events.
 * - `enqueue` resolves once the job is stored; a job whose id the queue already holds is not added again (a
 *   redelivery while the event is queued or running is a duplicate);
 * - a processor's rejection is a failed attempt: the job is retried with back-off until it has had `attempts`,
 *   then kept among the failed jobs until `retryFailed()`;
 * - a worker that dies mid-job does not lose it (the job runs again elsewhere).
 */
export interface CallQueue {
  /** Resolves once the job is stored; rejects (soon, never hanging) when the queue cannot take it. */
  enqueue(jobId: string, data: QueuedCallEvent, options?: EnqueueOptions): Promise<void>;
  work(processor: (job: CallQueueJob) => Promise<void>, options: CallQueueWorkOptions): CallQueueWorker;
  /** Moves every failed job back to the queue; resolves how many. */
  retryFailed(): Promise<number>;
  counts(): Promise<CallQueueCounts>;
  /** Closes what the queue opened (not a connection the user passed in). */
  close(): Promise<void>;
}
