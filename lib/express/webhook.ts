// myOperatorWebhook(): the whole webhook as one Express Router answering any method at the path it is mounted on.
// It runs the same Node pipeline as myOperatorNodeHandler() (authenticate, read the body, normalise, the query
// mapping, dispatch, the JSON answers), so the two answer alike; Express itself is loaded only when it is called.

import type { NextFunction, Request, Response, Router } from 'express';

import { createNodeWebhook } from '../node/handler';
import { WebhookPipeline, type MyOperatorWebhookOptions } from '../pipeline/webhook';

/** Whether the request is for the path the router is mounted on (not a path below it). */
function atMountPath(req: Request): boolean {
  const url = req.url;
  const end = url.indexOf('?');
  const path = end < 0 ? url : url.slice(0, end);
  return path === '/' || path === '' || req.route !== undefined;
}

type Middleware = (req: Request, res: Response, next: NextFunction) => void;

/**
 * An Express Router (the app's Express, loaded on first use: a user of the node or fetch handler need not install
 * it) holding `layer` as its one middleware. It is a Router in every respect (`use()`, `stack`, ...), with one
 * shortcut: while `layer` is still its only middleware, a request goes to it directly instead of through the
 * Router's own matching (URL parsing, prefix trimming, a `next` per layer), which the mount path already did.
 */
function routerFor(layer: Middleware): Router {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazily: express is an optional peer
  const express = require('express') as typeof import('express');
  const template = express.Router();
  const router = function myOperatorWebhookRouter(req: Request, res: Response, next: NextFunction): void {
    if (router.stack.length === 1) layer(req, res, next);
    else void router.handle(req, res, next);
  } as unknown as Router & { handle(req: Request, res: Response, next: NextFunction): unknown };
  Object.setPrototypeOf(router, Object.getPrototypeOf(template) as object);
  Object.assign(router, template);
  router.use(layer);
  return router;
}

/**
 * The whole webhook as one Express Router.
 *
 * @example
 * app.use('/myoperator/incall', myOperatorWebhook({ auth: { headers: ['x-token: abc123'] }, calls }));
 */
export function myOperatorWebhook(options: Readonly<MyOperatorWebhookOptions>): Router {
  const handle = createNodeWebhook(new WebhookPipeline('myOperatorWebhook()', options), true);
  return routerFor(function myOperatorWebhookChain(req: Request, res: Response, next: NextFunction): void {
    if (atMountPath(req)) handle(req, res, next);
    else next();
  });
}

export type { MyOperatorWebhookOptions };
