import { randomUUID } from 'node:crypto';
import type { GatewayReplica } from './compose-stack.ts';
import type { StackClients } from './stack-clients.ts';

export interface LoadAnswer {
  client: string;
  status: number;
}

export interface KilledUnderLoad {
  /** Idempotency key → the client that sent it and the status its create got. */
  answers: Map<string, LoadAnswer>;
  /** Charges of the victim held (its sagas stopped between reserve and charge) when it was SIGKILLed. */
  heldAtKill: number;
}

export async function eventually<T>(
  probe: () => Promise<T | undefined>,
  what: string,
  limitMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Each client sends `perClient` creates one after the other, each with a key of its own, through the edge. Once a
 * first round is answered, the victim's charges are held at its payments gate, so its sagas stop between reserve
 * and charge; with two stuck there it is SIGKILLed, then the gate opens: the held charges reach payments after all,
 * answers nobody reads. The other clients' loads go on throughout; nginx sends them to the surviving replicas.
 */
export async function killReplicaUnderLoad(options: {
  clients: string[];
  perClient: number;
  order: unknown;
  victim: GatewayReplica;
  http: StackClients;
}): Promise<KilledUnderLoad> {
  const { clients, perClient, order, victim, http } = options;
  const answers = new Map<string, LoadAnswer>();
  let answered = 0;
  let heldAtKill = 0;
  const load = clients.map(async (client) => {
    for (let sent = 0; sent < perClient; sent += 1) {
      const key = randomUUID();
      const answer = await http.createVia(client, order, key);
      answers.set(key, { client, status: answer.status });
      answered += 1;
    }
  });
  const kill = (async () => {
    await eventually(
      async () => (answered >= clients.length ? true : undefined),
      'the first round of orders',
    );
    victim.paymentsGate.close();
    await eventually(async () => (victim.paymentsGate.held >= 2 ? true : undefined), 'two held charges');
    heldAtKill = victim.paymentsGate.held;
    const signal = await victim.app.kill('SIGKILL');
    if (signal !== 'SIGKILL') throw new Error(`the victim ended with ${signal}, not SIGKILL`);
    victim.paymentsGate.open();
  })();
  await Promise.all([...load, kill]);
  return { answers, heldAtKill };
}
