import { ERROR_STATUS, type ErrorCode, type ProblemExtras } from '@oos/contracts';
import type { TRPC_ERROR_CODE_KEY } from '@trpc/server';
import { TRPCError } from '@trpc/server';
import type { RequestHandler, Response } from 'express';
import { z } from 'zod';
import { beforeEnd } from './end-hook.ts';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** The cause attached to every TRPCError we raise on purpose, so the error formatter can recover code and extras. */
export class DomainError extends Error {
  override name = 'DomainError';
  constructor(
    readonly code: ErrorCode,
    readonly extras: ProblemExtras = {},
  ) {
    super(code);
  }
}

/** The contract code a procedure failed with (domainError's cause), if it failed with one. */
export function domainCodeOf(error: unknown): ErrorCode | undefined {
  return error instanceof Error && error.cause instanceof DomainError ? error.cause.code : undefined;
}

const TRPC_CODE_BY_STATUS: Record<number, TRPC_ERROR_CODE_KEY> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  402: 'PAYMENT_REQUIRED',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_SUPPORTED',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  422: 'UNPROCESSABLE_CONTENT',
  429: 'TOO_MANY_REQUESTS',
  500: 'INTERNAL_SERVER_ERROR',
  503: 'SERVICE_UNAVAILABLE',
  504: 'GATEWAY_TIMEOUT',
};

/** A TRPCError whose HTTP status, `detail` and extra fields come from the contract's error table. */
export function domainError(code: ErrorCode, extras: ProblemExtras = {}): TRPCError {
  return new TRPCError({
    code: TRPC_CODE_BY_STATUS[ERROR_STATUS[code]] ?? 'INTERNAL_SERVER_ERROR',
    message: code,
    cause: new DomainError(code, extras),
  });
}

const issuesSchema = z.object({
  issues: z.array(
    z.object({
      message: z.string(),
      path: z.array(z.union([z.string(), z.number(), z.symbol(), z.object({ key: z.unknown() })])).optional(),
    }),
  ),
});

function formatPath(path: ReadonlyArray<unknown>): string {
  return path
    .map((segment) =>
      typeof segment === 'object' && segment !== null && 'key' in segment
        ? String(segment.key)
        : String(segment),
    )
    .join('.');
}

/** "items.0.sku: must be …; currency: must be one of EUR, USD, GBP" — names every offending field. */
export function validationMessage(cause: unknown): string | undefined {
  const parsed = issuesSchema.safeParse(cause);
  if (!parsed.success || parsed.data.issues.length === 0) return undefined;
  return parsed.data.issues
    .map((issue) => {
      const where = issue.path && issue.path.length > 0 ? formatPath(issue.path) : 'body';
      return `${where}: ${issue.message}`;
    })
    .join('; ');
}

const DETAIL_BY_TRPC_CODE: Partial<Record<TRPC_ERROR_CODE_KEY, ErrorCode>> = {
  NOT_FOUND: 'NOT_FOUND',
  UNAUTHORIZED: 'UNAUTHORIZED',
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  UNSUPPORTED_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  METHOD_NOT_SUPPORTED: 'METHOD_NOT_ALLOWED',
  INTERNAL_SERVER_ERROR: 'INTERNAL_ERROR',
  TOO_MANY_REQUESTS: 'RATE_LIMITED',
};

export interface ProblemData {
  detail: string;
  extras: ProblemExtras;
}

/** What `{"detail": …}` says for any error a procedure or the adapters raise. */
export function problemFromTRPCError(error: TRPCError): ProblemData {
  if (error.cause instanceof DomainError) return { detail: error.cause.code, extras: error.cause.extras };
  if (error.code === 'PARSE_ERROR') return { detail: 'Malformed JSON body', extras: {} };
  if (error.code === 'BAD_REQUEST') {
    return { detail: validationMessage(error.cause) ?? error.message, extras: {} };
  }
  return { detail: DETAIL_BY_TRPC_CODE[error.code] ?? 'INTERNAL_ERROR', extras: {} };
}

/** tRPC error formatter shared by every router: `data.detail` and `data.extras` travel to tRPC clients too. */
export function errorFormatter<TShape extends { data: object }>({
  shape,
  error,
}: {
  shape: TShape;
  error: TRPCError;
}) {
  const problem = problemFromTRPCError(error);
  return { ...shape, data: { ...shape.data, detail: problem.detail, extras: problem.extras } };
}

export function sendProblem(
  res: Response,
  status: number,
  detail: string,
  extras: ProblemExtras = {},
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) return;
  res.status(status);
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.setHeader('Content-Type', PROBLEM_CONTENT_TYPE);
  res.send(JSON.stringify({ detail: detail, ...extras }));
}

export function sendError(
  res: Response,
  code: ErrorCode,
  extras: ProblemExtras = {},
  headers: Record<string, string> = {},
) {
  sendProblem(res, ERROR_STATUS[code], code, extras, headers);
}

const openApiErrorBodySchema = z.object({
  data: z.object({
    detail: z.string(),
    extras: z
      .record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.array(z.string())]))
      .default({}),
  }),
});

/**
 * trpc-to-openapi answers errors with `{...errorShape, message, code, issues}` as `application/json`. The contract
 * promises `{"detail": CODE, ...}` as problem+json, so the REST adapter's error bodies are rewritten here, once,
 * from the `data.detail`/`data.extras` the error formatter put in the shape.
 */
export function problemJsonForOpenApi(): RequestHandler {
  return (_req, res, next) => {
    beforeEnd(res, (chunk) => {
      if (res.statusCode < 400 || typeof chunk !== 'string') return undefined;
      const body = openApiErrorBodySchema.safeParse(safeJson(chunk));
      if (!body.success) return undefined;
      res.setHeader('Content-Type', PROBLEM_CONTENT_TYPE);
      res.removeHeader('Content-Length');
      return JSON.stringify({ detail: body.data.data.detail, ...body.data.data.extras });
    });
    next();
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
