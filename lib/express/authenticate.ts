// authenticate(): the Express face of the pipeline's credential checks (custom headers, Basic auth, a static query
// key). Every configured check must pass; a failure goes to next(err) as 401 `unauthorized`.

import type { NextFunction, Request, RequestHandler, Response } from 'express';

import { nodeHeaderReader, parseBasicAuthorization, queryOfRequest } from '../node/handler';
import { compileAuthenticator, type AuthenticateOptions } from '../pipeline/auth';

/**
 * Rejects requests that lack a configured credential with 401 `unauthorized` (and a Basic challenge when Basic
 * auth is configured). Auth failures never reach handlers or `onError`.
 *
 * @example
 * app.all('/myoperator/incall', authenticate({ headers: ['my-super-secret-token: abc123def'] }), ...)
 */
export function authenticate(options: Readonly<AuthenticateOptions>): RequestHandler {
  const authenticator = compileAuthenticator('authenticate()', options);
  const challenge = authenticator.challenge;
  return function myOperatorAuthenticate(req: Request, res: Response, next: NextFunction): void {
    if (authenticator.check(nodeHeaderReader(req), () => queryOfRequest(req), parseBasicAuthorization)) {
      next();
      return;
    }
    if (challenge !== null) res.setHeader('WWW-Authenticate', challenge);
    next(authenticator.rejection());
  };
}
