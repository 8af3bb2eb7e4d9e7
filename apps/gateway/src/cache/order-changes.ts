/**
 * The seam between the domain and the order cache: the domain announces "this order's row changed" after every
 * write, and whichever caches live in the process drop what they hold for it. The domain stays unaware of
 * Redis; a process without a cache has no listener and pays nothing.
 */
type OrderChangeListener = (orderId: string) => Promise<void>;

const listeners = new Set<OrderChangeListener>();

/** Registers a listener; returns the function that removes it. */
export function onOrderChange(listener: OrderChangeListener): () => void {
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
}

/**
 * Call after a write to an order has been committed. Resolves once every listener is done, so the caller's answer
 * is never sent before the stale copy is gone; never rejects (a cache that cannot be reached is its own problem).
 */
export async function orderChanged(orderId: string): Promise<void> {
  await Promise.allSettled([...listeners].map((listener) => listener(orderId)));
}
