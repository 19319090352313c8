// (express5, express4, redis) The Express chain with its defaults: app.use(path, myOperatorWebhook({ auth, calls }))
// on Express 5, or 4 with BENCH_EXPRESS=4; the store as chain.ts picks it.

// First: it decides which Express `require('express')` gives (BENCH_EXPRESS), the package's included.
import { expressVersion } from './express-version';

import { createServer } from 'node:http';

import express from 'express';

import { loadPackage, WEBHOOK_PATH } from '../common';
import { chainOptions, start } from './chain';
import { serve } from './lifecycle';

start(async () => {
  const { myOperatorWebhook } = loadPackage();
  const app = express();
  app.use(WEBHOOK_PATH, myOperatorWebhook(await chainOptions()));
  serve(createServer(app), expressVersion());
});
