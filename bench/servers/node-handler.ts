// (node) The chain on plain node:http: http.createServer(myOperatorNodeHandler({ auth, calls, path })).

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

import { packageExport, WEBHOOK_PATH } from '../common';
import { chainOptions, start, type ChainOptions } from './chain';
import { serve } from './lifecycle';

type NodeHandlerFactory = (
  options: ChainOptions & { path: string },
) => (req: IncomingMessage, res: ServerResponse) => void;

start(async () => {
  const myOperatorNodeHandler = packageExport('myOperatorNodeHandler') as NodeHandlerFactory | undefined;
  if (!myOperatorNodeHandler) throw new Error('the build has no myOperatorNodeHandler');
  serve(createServer(myOperatorNodeHandler({ ...(await chainOptions()), path: WEBHOOK_PATH })));
});
