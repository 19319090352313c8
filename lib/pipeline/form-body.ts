// Finding the call log in a form body, whether it was URL-encoded properly or sent raw as `curl -d` sends it
// (`myoperator={"clid": "+91...", ...}`: quotes, braces, spaces and `+` unencoded, `&` possibly inside).

import { decodeFormComponent } from './decode';

export { decodeFormComponent };

/** The length of the JSON object or array at the start of `text` (string-aware), or the whole text. */
function jsonValueLength(text: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (inString) {
      if (code === 92)
        i++; // backslash: skip the escaped character
      else if (code === 34) inString = false;
    } else if (code === 34) inString = true;
    else if (code === 123 || code === 91) depth++;
    else if ((code === 125 || code === 93) && --depth === 0) return i + 1;
  }
  return text.length;
}

function valueStart(text: string, field: string): number {
  const key = `${field}=`;
  if (text.startsWith(key)) return key.length;
  const at = text.indexOf(`&${key}`);
  return at < 0 ? -1 : at + key.length + 1;
}

/** The candidates for the field's JSON text, most likely first; empty when the field is absent. */
export function formFieldCandidates(text: string, field: string): string[] {
  const start = valueStart(text, field);
  if (start < 0) return [];
  let first = start;
  while (
    first < text.length &&
    (text.charCodeAt(first) === 32 ||
      text.charCodeAt(first) === 10 ||
      text.charCodeAt(first) === 13 ||
      text.charCodeAt(first) === 9)
  )
    first++;
  const lead = text.charCodeAt(first);
  if (lead === 123 || lead === 91) {
    // Raw JSON: read it as it is (a `+` stays a `+`); decode it only if that does not parse.
    const raw = text.slice(first, jsonValueLength(text, first));
    return [raw, decodeFormComponent(raw)];
  }
  const end = text.indexOf('&', start);
  return [decodeFormComponent(end < 0 ? text.slice(start) : text.slice(start, end))];
}
