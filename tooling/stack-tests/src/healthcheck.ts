import { runInNewContext } from 'node:vm';

/**
 * The URL a `node -e` healthcheck script fetches when run with `env`: the script itself runs (in a sandbox whose
 * `fetch` only records its argument), so the test follows the same branches the container would.
 */
export function healthcheckUrl(script: string, env: Record<string, string>): string | undefined {
  let requested: string | undefined;
  const sandbox = {
    process: { env, exit: () => undefined },
    fetch: (url: unknown) => {
      requested = String(url);
      return new Promise(() => {});
    },
  };
  runInNewContext(script, sandbox, { timeout: 1000 });
  return requested;
}
