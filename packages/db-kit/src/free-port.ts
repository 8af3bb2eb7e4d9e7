// Its own entry point: the bench and the chaos soak run outside vitest, and ./testing registers vitest hooks on import.
import { createServer } from 'node:net';

/**
 * A TCP port free on 127.0.0.1 right now (bound to port 0, then released): for a server a test starts, or, left
 * unused, an address where nothing listens.
 */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port assigned');
  return address.port;
}
