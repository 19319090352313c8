// Reports (onError, the logger) are delivered on a later task, off the answer's path: specs that look at them
// wait for those tasks first.

/** Resolves once reports queued so far have reached onError handlers and the logger. */
export async function reportsDelivered(): Promise<void> {
  for (let turn = 0; turn < 3; turn++) await new Promise((resolve) => setTimeout(resolve, 0));
}

/** A logger that keeps each line as `"<message> <fields JSON>"`, for checking what was said and what was not. */
export function lineLogger(lines: string[]): {
  error(fields: object, message: string): void;
  warn(fields: object, message: string): void;
} {
  const keep = (fields: object, message: string): void => {
    lines.push(`${message} ${JSON.stringify(fields)}`);
  };
  return { error: keep, warn: keep };
}
