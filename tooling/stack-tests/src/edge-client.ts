import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface EdgeAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface EdgeRequest {
  url: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /**
   * The loopback address the connection comes from (127.0.0.2, 127.0.0.3, …): each is a client of its own to
   * the proxy, which is how one host plays several clients with distinct IPs.
   */
  localAddress?: string;
  /** The certificate to trust for https: the edge's self-signed one, so the TLS handshake is really verified. */
  ca?: string;
}

/** One HTTP(S) request on a fresh connection (no agent), answering status, headers and the whole body. */
export function edgeRequest(options: EdgeRequest): Promise<EdgeAnswer> {
  const url = new URL(options.url);
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      url,
      {
        method: options.method ?? 'GET',
        headers: {
          ...(options.body === undefined
            ? {}
            : { 'content-length': String(Buffer.byteLength(options.body)) }),
          ...options.headers,
        },
        localAddress: options.localAddress,
        ca: options.ca,
        agent: false,
        timeout: 30_000,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${options.method ?? 'GET'} ${options.url} timed out`)));
    req.on('error', reject);
    req.end(options.body);
  });
}
