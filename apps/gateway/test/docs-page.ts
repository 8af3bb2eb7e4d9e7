import type { Locator, Page } from 'playwright-core';

/** [method, path] of every operation the Swagger UI page shows. */
export async function listedOperations(page: Page): Promise<string[][]> {
  await page.locator('.opblock').first().waitFor();
  return page
    .locator('.opblock')
    .evaluateAll((blocks) =>
      blocks.map((block) => [
        block.querySelector('.opblock-summary-method')?.textContent ?? '',
        block.querySelector('.opblock-summary-path')?.getAttribute('data-path') ?? '',
      ]),
    );
}

/**
 * Opens "create an order", presses "Try it out", sends the example body with the given key and returns the
 * operation's block once the page shows the answer's status.
 */
export async function createOrderFromDocs(page: Page, idempotencyKey: string): Promise<Locator> {
  const create = page.locator('#operations-orders-createOrder');
  await create.locator('.opblock-summary').click();
  await create.getByRole('button', { name: 'Try it out' }).click();
  await create.locator('input[placeholder="Idempotency-Key"]').fill(idempotencyKey);
  await create.getByRole('button', { name: 'Execute' }).click();
  await answerOf(create).status.waitFor();
  return create;
}

/** The live answer the page shows inside an operation's block. */
export function answerOf(operation: Locator): { status: Locator; body: Locator } {
  const answer = operation.locator('.live-responses-table .response');
  return {
    status: answer.locator('.response-col_status'),
    body: answer.locator('.response-col_description'),
  };
}
