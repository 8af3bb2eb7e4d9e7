import type { ComposeStack } from './compose-stack.ts';
import { type EdgeAnswer, edgeRequest } from './edge-client.ts';

export interface RequestInit {
  method?: string;
  headers?: Record<string, string>;
  body?: unknown;
}

export interface StackClients {
  /** A request through the TLS edge from one client address (127.0.0.2, …), verifying the edge's certificate. */
  viaEdge(client: string, pathname: string, init?: RequestInit): Promise<EdgeAnswer>;
  /** `POST /api/orders/` through the edge, with an Idempotency-Key when one is given. */
  createVia(
    client: string,
    body: unknown,
    key?: string,
    headers?: Record<string, string>,
  ): Promise<EdgeAnswer>;
  /** Straight to one gateway replica, as the proxy sends it: from the trusted address, naming the client. */
  asProxy(port: number, client: string, pathname: string, init?: RequestInit): Promise<EdgeAnswer>;
  /** Sets a SKU's stock through inventory's REST API, with the service token (what the README's seeding does). */
  setStock(sku: string, quantity: number): Promise<number>;
}

const jsonBody = (init: RequestInit): { headers: Record<string, string>; body: string | undefined } => ({
  headers: init.body === undefined ? {} : { 'content-type': 'application/json' },
  body: init.body === undefined ? undefined : JSON.stringify(init.body),
});

export function stackClients(stack: () => ComposeStack): StackClients {
  const viaEdge: StackClients['viaEdge'] = (client, pathname, init = {}) => {
    const { headers, body } = jsonBody(init);
    return edgeRequest({
      url: `${stack().edge.https}${pathname}`,
      method: init.method,
      headers: { ...headers, ...init.headers },
      body,
      localAddress: client,
      ca: stack().edge.ca,
    });
  };
  return {
    viaEdge,
    createVia: (client, body, key, headers = {}) =>
      viaEdge(client, '/api/orders/', {
        method: 'POST',
        body,
        headers: { ...(key === undefined ? {} : { 'idempotency-key': key }), ...headers },
      }),
    asProxy: (port, client, pathname, init = {}) => {
      const { headers, body } = jsonBody(init);
      return edgeRequest({
        url: `http://127.0.0.1:${port}${pathname}`,
        method: init.method,
        headers: { 'x-forwarded-for': client, 'x-forwarded-proto': 'https', ...headers, ...init.headers },
        body,
      });
    },
    setStock: async (sku, quantity) => {
      const answer = await fetch(`${stack().inventory.url}/stock/${sku}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${stack().token}` },
        body: JSON.stringify({ quantity }),
      });
      return answer.status;
    },
  };
}
