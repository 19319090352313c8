// Writing one of the pipeline's answers to a Node response: status and headers in one writeHead, headers built
// once per answer (the answers themselves are fixed), nothing written twice.

import type { ServerResponse } from 'node:http';

import type { Observer } from '../observe/observer';
import type { Answer } from '../pipeline/answers';

const headerLists = new WeakMap<Answer, string[]>();

/** `[name, value, name, value...]` for writeHead: the JSON type, the length, and the answer's own headers. */
function headersOf(answer: Answer): string[] {
  let list = headerLists.get(answer);
  if (list === undefined) {
    list = ['Content-Type', 'application/json; charset=utf-8', 'Content-Length', String(answer.body.length)];
    if (answer.headers !== null) for (const [name, value] of Object.entries(answer.headers)) list.push(name, value);
    headerLists.set(answer, list);
  }
  return list;
}

/** Writes the answer, unless the response was already written (a 202 that a late outcome must not repeat). */
export function writeAnswer(res: ServerResponse, answer: Answer): void {
  if (res.headersSent || res.writableEnded) return;
  res.writeHead(answer.status, headersOf(answer));
  // Text, not bytes: Node then sends the head and the body in one write instead of a vectored one.
  res.end(answer.text);
}

/**
 * With `respond: 'next'` the app writes the answer: it is counted (status as the app set it, the dispatch's
 * outcome as its code) once the response is finished.
 */
export function observeAppAnswer(res: ServerResponse, observer: Observer, code: string, started: number): void {
  res.once('finish', () => {
    observer.response(res.statusCode, code, (performance.now() - started) / 1000);
  });
}
