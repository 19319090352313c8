// The documented error table (docs: API.md "Responses") as the reliability specs check it, independently of
// lib/errors.ts: a code the package answers with must be here, with this status.

export const DOCUMENTED_ERRORS: Readonly<Record<string, number>> = Object.freeze({
  missing_call_log: 400,
  invalid_json: 400,
  missing_call_event: 400,
  unauthorized: 401,
  payload_too_large: 413,
  unsupported_media_type: 415,
  invalid_call_log: 422,
  handler_failed: 500,
});

/** A snapshot of Object.prototype (and Array/Function prototypes) to prove nothing was added or changed. */
export function prototypeSnapshot(): string {
  const describe = (target: object): string =>
    Reflect.ownKeys(target)
      .map((key) => {
        const descriptor = Object.getOwnPropertyDescriptor(target, key);
        return `${String(key)}:${typeof descriptor?.value}:${String(descriptor?.get !== undefined)}`;
      })
      .sort()
      .join(',');
  return [Object.prototype, Array.prototype, Function.prototype, String.prototype].map(describe).join('|');
}

/** Whether a plain new object has picked up any property a polluted prototype would give it. */
export function pollutedProperties(): string[] {
  const probe: Record<string, unknown> = {};
  return ['polluted', 'isAdmin', 'uid', 'call_state', 'myoperator', 'a', 'x', 'ky', 'vl', 'ui'].filter(
    (key) => probe[key] !== undefined,
  );
}
