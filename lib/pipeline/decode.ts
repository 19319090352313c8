// Percent-decoding as a form or query decoder does it, in Web-standard JavaScript (no node:querystring): `+` is a
// space, valid `%XX` escapes are decoded as UTF-8, and a `%` that starts no valid escape is kept as it is (never
// thrown on: MyOperator's unencoded bodies and URLs carry stray `%` signs).

const decoder = new TextDecoder();

function hexValue(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  const lower = code | 0x20;
  return lower >= 97 && lower <= 102 ? lower - 87 : -1;
}

/** Decodes one form or query component. */
export function decodeFormComponent(value: string): string {
  const text = value.includes('+') ? value.replace(/\+/g, ' ') : value;
  if (!text.includes('%')) return text;
  try {
    return decodeURIComponent(text);
  } catch {
    return decodeTolerantly(text);
  }
}

/** The slow path: escapes decoded byte by byte, stray `%` kept, invalid UTF-8 replaced. */
function decodeTolerantly(text: string): string {
  let result = '';
  let bytes: number[] = [];
  const flush = (): void => {
    if (bytes.length > 0) {
      result += decoder.decode(new Uint8Array(bytes));
      bytes = [];
    }
  };
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 37 && i + 2 < text.length) {
      const high = hexValue(text.charCodeAt(i + 1));
      const low = hexValue(text.charCodeAt(i + 2));
      if (high >= 0 && low >= 0) {
        bytes.push(high * 16 + low);
        i += 2;
        continue;
      }
    }
    flush();
    result += text.charAt(i);
  }
  flush();
  return result;
}
