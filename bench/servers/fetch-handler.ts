// (fetch) The chain through the Fetch API on Node: myOperatorFetchHandler({ auth, calls, path }) behind the
// minimal node:http -> Request/Response bridge of fetch-bridge.ts.

import { createServer } from 'node:http';

import { packageExport, WEBHOOK_PATH } from '../common';
import { chainOptions, start, type ChainOptions } from './chain';
import { fetchBridge, type FetchHandler } from './fetch-bridge';
import { serve } from './lifecycle';

type FetchHandlerFactory = (options: ChainOptions & { path: string }) => FetchHandler;

start(async () => {
  const myOperatorFetchHandler = packageExport('myOperatorFetchHandler') as FetchHandlerFactory | undefined;
  if (!myOperatorFetchHandler) throw new Error('the build has no myOperatorFetchHandler');
  serve(createServer(fetchBridge(myOperatorFetchHandler({ ...(await chainOptions()), path: WEBHOOK_PATH }))));
});
