import { describeWithPostgres } from '@oos/db-kit/testing';
import { TRPCClientError } from '@trpc/client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { freshPostgresDatabase, type TestDatabase } from '../../test/databases.ts';
import { type RunningInventory, startInventory } from '../../test/start-inventory.ts';

/** What each concurrent call ended as: the answer, or the HTTP status of its failure. */
async function settle<T>(calls: Array<Promise<T>>): Promise<Array<T | number>> {
  const results = await Promise.allSettled(calls);
  return results.map((result) => {
    if (result.status === 'fulfilled') return result.value;
    const error: unknown = result.reason;
    if (error instanceof TRPCClientError) {
      const status: unknown = error.data?.httpStatus;
      if (typeof status === 'number') return status;
    }
    throw error;
  });
}

const count = <T>(values: readonly T[], predicate: (value: T) => boolean) => values.filter(predicate).length;

await describeWithPostgres('inventory under concurrency (PostgreSQL)', () => {
  let database: TestDatabase;
  let app: RunningInventory;

  beforeAll(async () => {
    database = await freshPostgresDatabase(20);
    app = await startInventory({ db: database.db });
  });
  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  const stockOf = async (sku: string) => (await app.client.getStock.query({ sku })).quantity;
  const reservedUnits = async (sku: string) => {
    const lines = await database.db.client.reservationLine.findMany({
      where: { sku, reservation: { status: 'RESERVED' } },
    });
    return lines.reduce((sum, line) => sum + line.quantity, 0);
  };

  it('lets exactly 10 of 50 concurrent single-unit reservations take the last 10 units', async () => {
    await app.client.setStock.mutate({ sku: 'LAST10', quantity: 10 });
    const outcomes = await settle(
      Array.from({ length: 50 }, (_, i) =>
        app.client.reserve.mutate({ reservation_id: `last10-${i}`, items: [{ sku: 'LAST10', quantity: 1 }] }),
      ),
    );
    expect(count(outcomes, (o) => typeof o === 'object' && o.reserved === true)).toBe(10);
    expect(count(outcomes, (o) => o === 422)).toBe(40);
    expect(await stockOf('LAST10')).toBe(0);
    expect(await reservedUnits('LAST10')).toBe(10);
    // Shortages are not recorded: only the winners have a reservation row.
    expect(await database.db.client.reservation.count({ where: { id: { startsWith: 'last10-' } } })).toBe(10);
  });

  it('reserves once when the same reservation_id arrives 20 times at once', async () => {
    await app.client.setStock.mutate({ sku: 'SAMEID', quantity: 5 });
    const outcomes = await settle(
      Array.from({ length: 20 }, () =>
        app.client.reserve.mutate({ reservation_id: 'same-id', items: [{ sku: 'SAMEID', quantity: 2 }] }),
      ),
    );
    expect(outcomes).toEqual(Array.from({ length: 20 }, () => ({ reserved: true })));
    expect(await stockOf('SAMEID')).toBe(3);
    expect(await database.db.client.reservationLine.count({ where: { reservationId: 'same-id' } })).toBe(1);
  });

  it('lets one of two racing payloads for the same id win and answers the other 409', async () => {
    await app.client.setStock.mutate({ sku: 'RACEID', quantity: 100 });
    const outcomes = await settle(
      Array.from({ length: 20 }, (_, i) =>
        app.client.reserve.mutate({
          reservation_id: 'race-id',
          items: [{ sku: 'RACEID', quantity: i % 2 === 0 ? 1 : 2 }],
        }),
      ),
    );
    const reserved = count(outcomes, (o) => typeof o === 'object');
    expect(reserved).toBe(10);
    expect(count(outcomes, (o) => o === 409)).toBe(10);
    const won = await database.db.client.reservationLine.findMany({ where: { reservationId: 'race-id' } });
    expect(won).toHaveLength(1);
    expect(await stockOf('RACEID')).toBe(100 - (won[0]?.quantity ?? Number.NaN));
  });

  it('never deadlocks or oversells multi-line reservations listing their SKUs in opposite orders', async () => {
    await app.client.setStock.mutate({ sku: 'PAIRA', quantity: 10 });
    await app.client.setStock.mutate({ sku: 'PAIRB', quantity: 10 });
    const outcomes = await settle(
      Array.from({ length: 30 }, (_, i) => {
        const lines = [
          { sku: 'PAIRA', quantity: 1 },
          { sku: 'PAIRB', quantity: 1 },
        ];
        return app.client.reserve.mutate({
          reservation_id: `pair-${i}`,
          items: i % 2 === 0 ? lines : lines.toReversed(),
        });
      }),
    );
    expect(count(outcomes, (o) => typeof o === 'object')).toBe(10);
    expect(count(outcomes, (o) => o === 422)).toBe(20);
    expect([await stockOf('PAIRA'), await stockOf('PAIRB')]).toEqual([0, 0]);
  });

  it('leaves every line untouched when the last line of a multi-line reservation is short', async () => {
    await app.client.setStock.mutate({ sku: 'MULTIA', quantity: 4 });
    await app.client.setStock.mutate({ sku: 'MULTIB', quantity: 4 });
    await app.client.setStock.mutate({ sku: 'MULTIZ', quantity: 1 });
    const [outcome] = await settle([
      app.client.reserve.mutate({
        reservation_id: 'multi-short',
        items: [
          { sku: 'MULTIA', quantity: 4 },
          { sku: 'MULTIB', quantity: 4 },
          { sku: 'MULTIZ', quantity: 2 },
        ],
      }),
    ]);
    expect(outcome).toBe(422);
    expect([await stockOf('MULTIA'), await stockOf('MULTIB'), await stockOf('MULTIZ')]).toEqual([4, 4, 1]);
    expect(await database.db.client.reservation.count({ where: { id: 'multi-short' } })).toBe(0);
  });

  it('gives the stock back once when a reservation is released twice, or 20 times at once', async () => {
    await app.client.setStock.mutate({ sku: 'RELEASE', quantity: 10 });
    await app.client.reserve.mutate({
      reservation_id: 'rel-twice',
      items: [{ sku: 'RELEASE', quantity: 3 }],
    });
    await app.client.reserve.mutate({ reservation_id: 'rel-race', items: [{ sku: 'RELEASE', quantity: 4 }] });
    expect(await stockOf('RELEASE')).toBe(3);

    expect(await app.client.release.mutate({ reservation_id: 'rel-twice' })).toEqual({ released: true });
    expect(await app.client.release.mutate({ reservation_id: 'rel-twice' })).toEqual({ released: false });
    expect(await stockOf('RELEASE')).toBe(6);

    const outcomes = await settle(
      Array.from({ length: 20 }, () => app.client.release.mutate({ reservation_id: 'rel-race' })),
    );
    expect(count(outcomes, (o) => typeof o === 'object' && o.released === true)).toBe(1);
    expect(count(outcomes, (o) => typeof o === 'object' && o.released === false)).toBe(19);
    expect(await stockOf('RELEASE')).toBe(10);
  });

  it('answers 409 when a reservation id is reused with other items', async () => {
    await app.client.setStock.mutate({ sku: 'CONFLICT', quantity: 10 });
    await app.client.reserve.mutate({
      reservation_id: 'conflict-id',
      items: [{ sku: 'CONFLICT', quantity: 1 }],
    });
    const [outcome] = await settle([
      app.client.reserve.mutate({ reservation_id: 'conflict-id', items: [{ sku: 'CONFLICT', quantity: 5 }] }),
    ]);
    expect(outcome).toBe(409);
    expect(await stockOf('CONFLICT')).toBe(9);
  });
});
