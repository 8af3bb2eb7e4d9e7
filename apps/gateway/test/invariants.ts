import type { PrismaClient as GatewayPrisma } from '@oos/db-gateway';
import type { PrismaClient as InventoryPrisma } from '@oos/db-inventory';
import type { PrismaClient as PaymentsPrisma } from '@oos/db-payments';

export interface SystemDatabases {
  gateway: GatewayPrisma;
  inventory: InventoryPrisma;
  payments: PaymentsPrisma;
}

/**
 * CONTRACT §5.1–5.4 read straight from the three databases. Returns every violation found (empty when the
 * system is consistent), so a failing test names the order and the rule:
 * - a CONFIRMED order holds exactly one live reservation and exactly one un-refunded charge, the one it names;
 * - a FAILED or CANCELLED order holds no live reservation and no un-refunded charge;
 * - no order ever has more than one un-refunded charge;
 * - no reservation or charge exists without an order;
 * - per SKU, available + reserved by live reservations = the quantity last set (`setStock`).
 * PENDING orders are checked only for double charges: they are still being worked on.
 */
export async function invariantViolations(
  dbs: SystemDatabases,
  stockSet: Readonly<Record<string, number>>,
): Promise<string[]> {
  const [orders, reservations, charges, stock] = await Promise.all([
    dbs.gateway.order.findMany({ select: { id: true, status: true, transactionId: true } }),
    dbs.inventory.reservation.findMany({ include: { lines: true } }),
    dbs.payments.charge.findMany({ select: { id: true, orderId: true, status: true } }),
    dbs.inventory.stock.findMany(),
  ]);
  const problems: string[] = [];
  const orderIds = new Set(orders.map((order) => order.id));
  const live = new Map<string, number>();
  for (const reservation of reservations) {
    if (!orderIds.has(reservation.id)) problems.push(`reservation ${reservation.id} has no order`);
    if (reservation.status === 'RESERVED') live.set(reservation.id, (live.get(reservation.id) ?? 0) + 1);
  }
  const authorized = new Map<string, string[]>();
  for (const charge of charges) {
    if (!orderIds.has(charge.orderId)) problems.push(`charge ${charge.id} has no order (${charge.orderId})`);
    if (charge.status === 'AUTHORIZED')
      authorized.set(charge.orderId, [...(authorized.get(charge.orderId) ?? []), charge.id]);
  }
  for (const order of orders) {
    const reservationsHeld = live.get(order.id) ?? 0;
    const chargesHeld = authorized.get(order.id) ?? [];
    const where = `order ${order.id} (${order.status})`;
    if (chargesHeld.length > 1) problems.push(`${where}: ${chargesHeld.length} un-refunded charges`);
    if (order.status === 'CONFIRMED') {
      if (reservationsHeld !== 1)
        problems.push(`${where}: ${reservationsHeld} live reservations, expected 1`);
      if (chargesHeld.length !== 1)
        problems.push(`${where}: ${chargesHeld.length} un-refunded charges, expected 1`);
      else if (chargesHeld[0] !== order.transactionId) problems.push(`${where}: names another transaction`);
    }
    if (order.status === 'FAILED' || order.status === 'CANCELLED') {
      if (reservationsHeld !== 0) problems.push(`${where}: still holds a reservation`);
      if (chargesHeld.length !== 0) problems.push(`${where}: still holds an un-refunded charge`);
    }
  }
  const reservedBySku = new Map<string, number>();
  for (const reservation of reservations) {
    if (reservation.status !== 'RESERVED') continue;
    for (const line of reservation.lines) {
      reservedBySku.set(line.sku, (reservedBySku.get(line.sku) ?? 0) + line.quantity);
    }
  }
  for (const [sku, set] of Object.entries(stockSet)) {
    const available = stock.find((row) => row.sku === sku)?.quantity ?? 0;
    const reserved = reservedBySku.get(sku) ?? 0;
    if (available < 0) problems.push(`${sku}: available ${available} < 0`);
    if (available + reserved !== set)
      problems.push(`${sku}: available ${available} + reserved ${reserved} ≠ ${set}`);
  }
  return problems;
}
