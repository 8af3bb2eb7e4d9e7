import { isCi } from '@oos/db-kit/testing';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumInstalled, launchChromium } from './chromium.ts';
import { answerOf, createOrderFromDocs, listedOperations } from './docs-page.ts';
import { type System, startSystem } from './system.ts';

const installed = chromiumInstalled();
if (!installed) {
  // CI installs Chromium (.ci/run); there a missing browser is a broken setup, not a reason to skip.
  if (isCi()) throw new Error('/usr/bin/chromium is missing: .ci/run installs it with apt-get');
  console.warn(
    '\n*** SKIPPED: the /docs browser test needs Debian’s Chromium (apt-get install chromium) ***\n',
  );
}

const OPERATIONS = [
  ['GET', '/api/orders'],
  ['POST', '/api/orders'],
  ['GET', '/api/orders/{id}'],
  ['POST', '/api/orders/{id}/cancel'],
  ['GET', '/api/events'],
  ['GET', '/api/orders/{id}/events'],
  ['GET', '/api/webhook-deliveries'],
  ['POST', '/api/webhook-deliveries/{id}/retry'],
];

describe.skipIf(!installed)('/docs in a real browser (Debian Chromium)', () => {
  let system: System;
  let browser: Browser;
  let page: Page;
  /** Console errors and uncaught exceptions of the page: a CSP refusal shows up here. */
  const problems: string[] = [];

  beforeAll(async () => {
    // The production edge (helmet's CSP, CORS for another origin only) in front, as a deployment has it.
    system = await startSystem('embedded', { edgeEnv: { CORS_ALLOWED_ORIGINS: 'https://shop.example' } });
    await system.setStock('SKU1', 10);
    browser = await launchChromium();
    page = await browser.newPage();
    // Below the test's own timeout, so a page that never renders fails with what the browser said (see problems).
    page.setDefaultTimeout(20_000);
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('response', (response) => {
      if (response.status() >= 400) problems.push(`${response.status()} ${response.url()}`);
    });
  });
  afterAll(async () => {
    await browser?.close();
    await system?.close();
  });

  it('lists every public operation', async () => {
    const response = await page.goto(`${system.url}/docs`);
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
    const listed = await listedOperations(page).catch((error: unknown) => {
      throw new Error(
        `the page listed no operation; the browser said: ${problems.join(' | ') || 'nothing'}`,
        {
          cause: error,
        },
      );
    });
    expect(listed.sort()).toEqual([...OPERATIONS].sort());
    expect(problems).toEqual([]);
  });

  it('creates an order through "Try it out" and shows the 201', async () => {
    const answer = answerOf(await createOrderFromDocs(page, 'from-the-docs-page'));
    expect((await answer.status.textContent())?.trim()).toBe('201');
    // The body may render a moment after the status; how long is up to the machine, not the test.
    await expect.poll(() => answer.body.textContent(), { timeout: 20_000 }).toContain('CONFIRMED');

    // The page's request reached the real system: the keyed order exists and its stock is held.
    const key = await system.gatewayDb.idempotencyKey.findUniqueOrThrow({
      where: { scope_key: { scope: 'create', key: 'from-the-docs-page' } },
    });
    expect(key.responseStatus).toBe(201);
    expect(await system.stock('SKU1')).toBe(9);
    expect(problems).toEqual([]);
  });
});
