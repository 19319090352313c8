// `Authorization: Basic <base64>` decoded with Web-standard APIs (atob, TextDecoder): the Fetch handler's stand-in
// for the basic-auth package, with its rules (scheme case-insensitive, the first `:` splits name and password).

import type { BasicParser } from '../pipeline/auth';

const BASIC = /^ *basic +([A-Za-z0-9._~+/-]+=*) *$/i;
const decoder = new TextDecoder();

export const parseBasicHeader: BasicParser = (authorization) => {
  const match = BASIC.exec(authorization);
  if (!match) return undefined;
  let text: string;
  try {
    const binary = atob(match[1] as string);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    text = decoder.decode(bytes);
  } catch {
    return undefined;
  }
  const colon = text.indexOf(':');
  if (colon < 0) return undefined;
  return { name: text.slice(0, colon), pass: text.slice(colon + 1) };
};
