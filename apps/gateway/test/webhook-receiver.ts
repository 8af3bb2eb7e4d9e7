import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

/** One request the receiver got, as it arrived. */
export interface Receipt {
  eventId: string;
  eventType: string;
  signature: string;
  body: string;
  /** 1 for the first request carrying this event id, 2 for the next… */
  nth: number;
  /** What the receiver answered (undefined while it holds the request, or if it never answered). */
  answered?: number;
}

/** How to answer a request: a status, or hold it without answering until the receiver closes. */
export type Answer = number | 'hold';

export interface WebhookReceiver {
  url: string;
  receipts: Receipt[];
  /** Requests being answered right now, per event id, at most ever seen at once. */
  maxConcurrentPerEvent(): number;
  /** Receipts whose answer was 2xx. */
  delivered(): Receipt[];
  setAnswer(answer: (receipt: Receipt) => Answer | Promise<Answer>): void;
  close(): Promise<void>;
}

/** A real HTTP server standing in for a customer's webhook endpoint, answering as a test scripts it. */
export async function startWebhookReceiver(
  answer: (receipt: Receipt) => Answer | Promise<Answer> = () => 200,
): Promise<WebhookReceiver> {
  let respond = answer;
  const receipts: Receipt[] = [];
  const seen = new Map<string, number>();
  const inFlight = new Map<string, number>();
  let maxConcurrent = 0;

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(Buffer.from(chunk));
    const eventId = String(request.headers['oos-event-id'] ?? '');
    const nth = (seen.get(eventId) ?? 0) + 1;
    seen.set(eventId, nth);
    const receipt: Receipt = {
      eventId,
      eventType: String(request.headers['oos-event-type'] ?? ''),
      signature: String(request.headers['oos-signature'] ?? ''),
      body: Buffer.concat(chunks).toString('utf8'),
      nth,
    };
    receipts.push(receipt);
    const running = (inFlight.get(eventId) ?? 0) + 1;
    inFlight.set(eventId, running);
    maxConcurrent = Math.max(maxConcurrent, running);
    const done = () => inFlight.set(eventId, (inFlight.get(eventId) ?? 1) - 1);
    response.on('close', done);
    const status = await respond(receipt);
    if (status === 'hold') return;
    receipt.answered = status;
    response.writeHead(status, { 'content-type': 'text/plain' }).end('ok');
  };

  const server = createServer((request, response) => {
    handle(request, response).catch(() => response.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the receiver has no TCP port');
  return {
    url: `http://127.0.0.1:${address.port}/hooks`,
    receipts,
    maxConcurrentPerEvent: () => maxConcurrent,
    delivered: () =>
      receipts.filter((receipt) => (receipt.answered ?? 0) >= 200 && (receipt.answered ?? 0) < 300),
    setAnswer: (next) => {
      respond = next;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
