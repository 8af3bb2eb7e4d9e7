import type { Response } from 'express';

/**
 * Lets middleware see (and replace) the last chunk a handler ends the response with, before Node writes it:
 * `rewrite` gets the chunk and returns the text to send instead, or undefined to send it as it is. Headers may
 * still be set in `rewrite` (they are not sent yet).
 */
export function beforeEnd(res: Response, rewrite: (chunk: unknown) => string | undefined): void {
  const end = res.end;
  res.end = function endRewritten(this: Response, chunk?: unknown, encoding?: unknown, callback?: unknown) {
    const replacement = res.headersSent ? undefined : rewrite(chunk);
    if (replacement !== undefined)
      return end.call(this, replacement, 'utf8', callbackArg(callback, encoding));
    return end.call(this, chunk, encodingArg(encoding), callbackArg(callback, encoding));
  };
}

function encodingArg(encoding: unknown): BufferEncoding {
  return typeof encoding === 'string' && Buffer.isEncoding(encoding) ? encoding : 'utf8';
}

function callbackArg(callback: unknown, encoding: unknown): (() => void) | undefined {
  if (typeof callback === 'function') return () => callback();
  if (typeof encoding === 'function') return () => encoding();
  return undefined;
}
