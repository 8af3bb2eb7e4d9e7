import { once } from 'node:events';
import { initTRPC, TRPCError } from '@trpc/server';
import { type CreateExpressContextOptions, createExpressMiddleware } from '@trpc/server/adapters/express';
import express, { type Request, type Response } from 'express';
import { z } from 'zod';

/** What the server does with one request. */
export type Behaviour =
  | 'ok'
  | 'server_error' // 500
  | 'unavailable' // 503
  | 'hang' // never answers; waits for the client to go away
  | 'reset' // destroys the connection without an answer
  | 'bad_request' // 400
  | 'payment_required' // 402
  | 'not_found' // 404
  | 'conflict' // 409
  | 'unprocessable'; // 422

const DOMAIN_CODES = {
  bad_request: 'BAD_REQUEST',
  payment_required: 'PAYMENT_REQUIRED',
  not_found: 'NOT_FOUND',
  conflict: 'CONFLICT',
  unprocessable: 'UNPROCESSABLE_CONTENT',
  server_error: 'INTERNAL_SERVER_ERROR',
  unavailable: 'SERVICE_UNAVAILABLE',
} as const;

const HTTP_STATUS = {
  bad_request: 400,
  payment_required: 402,
  not_found: 404,
  conflict: 409,
  unprocessable: 422,
  server_error: 500,
  unavailable: 503,
} as const;

interface Context {
  behaviour: Behaviour;
  res: Response;
}

const t = initTRPC.context<Context>().create();

async function misbehave(ctx: Context): Promise<void> {
  const { behaviour, res } = ctx;
  if (behaviour === 'ok') return;
  if (behaviour === 'hang') {
    if (!res.destroyed) await once(res, 'close');
    throw new TRPCError({ code: 'CLIENT_CLOSED_REQUEST', message: 'client went away' });
  }
  if (behaviour === 'reset') {
    res.socket?.destroy();
    throw new TRPCError({ code: 'INTERNAL_SERVER_ERROR', message: 'connection destroyed' });
  }
  throw new TRPCError({ code: DOMAIN_CODES[behaviour], message: `scripted ${behaviour}` });
}

export const testRouter = t.router({
  item: t.procedure.input(z.object({ id: z.string() })).query(async ({ ctx, input }) => {
    await misbehave(ctx);
    return { id: input.id, name: `item ${input.id}` };
  }),
  reserve: t.procedure.input(z.object({ reservation_id: z.string() })).mutation(async ({ ctx, input }) => {
    await misbehave(ctx);
    return { reserved: true, reservation_id: input.reservation_id };
  }),
});

export type TestRouter = typeof testRouter;

export interface MisbehavingServer {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  readonly trpcUrl: string;
  /** HTTP requests received, whatever their fate. */
  readonly requests: number;
  /** Requests whose connection closed before the answer was sent (the client aborted or timed out). */
  readonly aborted: number;
  /** Queues behaviours for the next requests, one each; afterwards the default applies. */
  script(...behaviours: Behaviour[]): void;
  setDefault(behaviour: Behaviour): void;
  close(): Promise<void>;
}

/** A real tRPC-over-Express server on 127.0.0.1:0 that fails on purpose; also serves `GET /plain` as JSON. */
export async function startMisbehavingServer(): Promise<MisbehavingServer> {
  const queue: Behaviour[] = [];
  let fallback: Behaviour = 'ok';
  let requests = 0;
  let aborted = 0;
  const behaviours = new WeakMap<Request, Behaviour>();

  const app = express();
  app.use((req, res, next) => {
    requests += 1;
    behaviours.set(req, queue.shift() ?? fallback);
    res.on('close', () => {
      if (!res.writableFinished) aborted += 1;
    });
    next();
  });
  app.use(
    '/trpc',
    createExpressMiddleware({
      router: testRouter,
      createContext: ({ req, res }: CreateExpressContextOptions): Context => ({
        behaviour: behaviours.get(req) ?? 'ok',
        res,
      }),
    }),
  );
  app.get('/plain', async (req, res) => {
    const behaviour = behaviours.get(req) ?? 'ok';
    if (behaviour === 'ok') {
      res.json({ ok: true });
    } else if (behaviour === 'hang') {
      if (!res.destroyed) await once(res, 'close');
    } else if (behaviour === 'reset') {
      res.socket?.destroy();
    } else {
      res.status(HTTP_STATUS[behaviour]).json({ error: behaviour });
    }
  });

  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = z.object({ port: z.number() }).parse(server.address());
  const origin = `http://127.0.0.1:${port}`;

  return {
    origin,
    trpcUrl: `${origin}/trpc`,
    get requests() {
      return requests;
    },
    get aborted() {
      return aborted;
    },
    script: (...next) => {
      queue.push(...next);
    },
    setDefault: (behaviour) => {
      fallback = behaviour;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      );
    },
  };
}

/** A port on 127.0.0.1 that nothing listens on: bound, then released. */
export async function closedPort(): Promise<number> {
  const server = express().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = z.object({ port: z.number() }).parse(server.address());
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Polls `probe` until it returns a value other than undefined; fails after `timeoutMs`. */
export async function waitFor<T>(
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 5000,
): Promise<T> {
  const giveUpAt = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > giveUpAt) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
