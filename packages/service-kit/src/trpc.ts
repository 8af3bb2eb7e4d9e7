import type { IncomingHttpHeaders } from 'node:http';
import { initTRPC } from '@trpc/server';
import type { OpenApiMeta } from 'trpc-to-openapi';
import type { Logger } from './logger.ts';
import { errorFormatter } from './problem.ts';

/** What every procedure may rely on, in every app. */
export interface BaseContext {
  requestId: string;
  logger: Logger;
  headers: IncomingHttpHeaders;
}

/** tRPC for one app: OpenAPI metadata allowed on procedures, errors shaped as the contract's problems. */
export function initServiceTRPC<Ctx extends BaseContext>() {
  // isDev off: stack traces must never reach a caller, whatever NODE_ENV says.
  return initTRPC.context<Ctx>().meta<OpenApiMeta>().create({ errorFormatter, isDev: false });
}
