// Imported first by the Express servers: with BENCH_EXPRESS=4, every `require('express')` of the process (the
// server's and the built package's) resolves to the `express4` alias, as the package's Express 4 specs do.

import { readFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

interface ResolvingModule {
  _resolveFilename(request: string, ...rest: unknown[]): string;
}

if (process.env.BENCH_EXPRESS === '4') {
  const resolving = Module as unknown as ResolvingModule;
  const resolve = resolving._resolveFilename.bind(Module);
  resolving._resolveFilename = (request, ...rest) => resolve(request === 'express' ? 'express4' : request, ...rest);
}

/** `express 4.22.3`: the Express that `require('express')` gives this process (and the package in it). */
export function expressVersion(): string {
  const main = createRequire(__filename).resolve('express');
  const { version } = JSON.parse(readFileSync(join(dirname(main), 'package.json'), 'utf8')) as { version: string };
  return `express ${version}`;
}
