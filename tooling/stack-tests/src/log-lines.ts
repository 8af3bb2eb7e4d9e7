import { z } from 'zod';

const line = z.object({ message: z.string() }).loose();

/** The JSON log lines (one object per line, as every app writes to stdout) whose message is `message`. */
export function logLines(output: string, message: string): Array<Record<string, unknown>> {
  const found: Array<Record<string, unknown>> = [];
  for (const text of output.split('\n')) {
    if (!text.startsWith('{')) continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      continue; // the last line of a process's output may still be half-written
    }
    const parsed = line.safeParse(value);
    if (parsed.success && parsed.data.message === message) found.push(parsed.data);
  }
  return found;
}
