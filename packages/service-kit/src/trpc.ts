import type { IncomingHttpHeaders } from 'node:http';
import { initTRPC } from '@trpc/server';
import type { OpenApiMeta } from 'trpc-to-openapi';
import { isDatabaseUnavailable } from './database-unavailable.ts';
import type { Logger } from './logger.ts';
import { domainError, errorFormatter } from './problem.ts';

/** What every procedure may rely on, in every app. */
export interface BaseContext {
  requestId: string;
  logger: Logger;
  headers: IncomingHttpHeaders;
}

/** tRPC for one app: OpenAPI metadata allowed on procedures, errors shaped as the contract's problems. */
export function initServiceTRPC<Ctx extends BaseContext>() {
  // isDev off: stack traces must never reach a caller, whatever NODE_ENV says.
  const t = initTRPC.context<Ctx>().meta<OpenApiMeta>().create({ errorFormatter, isDev: false });
  const procedure = t.procedure.use(async ({ next }) => {
    const result = await next();
    if (!result.ok && isDatabaseUnavailable(result.error.cause)) throw domainError('SERVICE_UNAVAILABLE');
    return result;
  });
  return { ...t, procedure };
}
