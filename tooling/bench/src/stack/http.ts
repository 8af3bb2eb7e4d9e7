import { setTimeout as sleep } from 'node:timers/promises';

/** GETs `url` until it answers 200; resolves with the milliseconds that took, rejects after `timeoutMs`. */
export async function waitForOk(url: string, timeoutMs: number, pollMs = 25): Promise<number> {
  const started = performance.now();
  let last = 'no answer';
  while (performance.now() - started < timeoutMs) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      await response.arrayBuffer();
      if (response.status === 200) return performance.now() - started;
      last = `HTTP ${response.status}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await sleep(pollMs);
  }
  throw new Error(`${url} did not answer 200 within ${timeoutMs} ms (last: ${last})`);
}

/** Sets the available units of each SKU through the inventory's REST route (`PUT /stock/{sku}`). */
export async function seedStock(
  inventoryUrl: string,
  stock: ReadonlyMap<string, number>,
  token: string | undefined,
): Promise<void> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  const entries = [...stock];
  // A few at a time: seeding is not what is being measured.
  for (let i = 0; i < entries.length; i += 10) {
    await Promise.all(
      entries.slice(i, i + 10).map(async ([sku, quantity]) => {
        const response = await fetch(`${inventoryUrl}/stock/${sku}`, {
          method: 'PUT',
          headers,
          body: JSON.stringify({ quantity }),
        });
        const text = await response.text();
        if (response.status !== 200) throw new Error(`PUT /stock/${sku} → ${response.status}: ${text}`);
      }),
    );
  }
}
