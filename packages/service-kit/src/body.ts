import express, { type ErrorRequestHandler, type Request, type RequestHandler } from 'express';
import { sendError, sendProblem } from './problem.ts';

function hasBody(req: Request): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

function isJson(req: Request): boolean {
  const type = req.headers['content-type'];
  return typeof type === 'string' && /^application\/json\s*(;|$)/i.test(type.trim());
}

/**
 * Deepest nesting of arrays and objects a body may have. The contract's deepest body (an order: object, items
 * array, line object) is 3 levels; JSON that nests thousands of levels is an attack on whatever walks it
 * recursively later (JSON.stringify in the tRPC adapters, fingerprints), so it is refused up front.
 */
export const MAX_JSON_DEPTH = 32;

/** Nesting depth of a parsed JSON value, walked without recursion (so any depth is measured safely). */
export function jsonDepthExceeds(value: unknown, max: number): boolean {
  const stack: Array<{ value: unknown; depth: number }> = [{ value, depth: 0 }];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    if (typeof next.value !== 'object' || next.value === null) continue;
    const depth = next.depth + 1;
    if (depth > max) return true;
    for (const child of Object.values(next.value)) stack.push({ value: child, depth });
  }
  return false;
}

/**
 * JSON bodies only, at most `limit` bytes and {@link MAX_JSON_DEPTH} levels deep. The limit is enforced while streaming (so a chunked body without
 * Content-Length is cut off at the limit, not buffered whole). A request without a body is accepted as "no input"
 * whatever its content type, which is what a bodiless POST such as cancel needs.
 */
export function jsonBody(limit: number): RequestHandler[] {
  const parse = express.json({ limit, strict: false, type: () => true });
  return [
    (req, res, next) => {
      if (!hasBody(req)) {
        req.body = undefined;
        // trpc-to-openapi refuses any body-carrying method without a JSON content type, even with no body.
        if (req.method !== 'GET' && req.method !== 'HEAD') req.headers['content-type'] = 'application/json';
        return next();
      }
      if (!isJson(req)) return sendError(res, 'UNSUPPORTED_MEDIA_TYPE');
      parse(req, res, (error?: unknown) => {
        if (error !== undefined) return next(error);
        if (jsonDepthExceeds(req.body, MAX_JSON_DEPTH)) {
          return sendProblem(res, 400, `body: JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
        }
        next();
      });
    },
  ];
}

/** Maps body-parser failures to the contract's answers; anything else is a 500 without internals. */
export function bodyErrors(): ErrorRequestHandler {
  return (error: unknown, _req, res, next) => {
    const type = typeof error === 'object' && error !== null && 'type' in error ? error.type : undefined;
    if (type === 'entity.too.large') {
      res.setHeader('Connection', 'close');
      return sendError(res, 'PAYLOAD_TOO_LARGE');
    }
    if (type === 'entity.parse.failed') return sendProblem(res, 400, 'Malformed JSON body');
    if (type === 'encoding.unsupported' || type === 'charset.unsupported') {
      return sendError(res, 'UNSUPPORTED_MEDIA_TYPE');
    }
    next(error);
  };
}
