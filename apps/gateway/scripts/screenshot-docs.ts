// `pnpm --filter @oos/gateway docs:screenshot [gateway URL]`: the README's pictures of /docs, taken from a running
// gateway (`pnpm start`) in Debian's Chromium: the page as it opens, and the answer of one "Try it out" create.
import { fileURLToPath } from 'node:url';
import { launchChromium } from '../test/chromium.ts';
import { createOrderFromDocs, listedOperations } from '../test/docs-page.ts';

const gateway = process.argv[2] ?? 'http://127.0.0.1:8000';
const image = (name: string) => fileURLToPath(new URL(`../../../docs/images/${name}`, import.meta.url));

const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: 1100, height: 760 } });
  await page.goto(`${gateway}/docs`);
  await listedOperations(page);
  await page.screenshot({ path: image('docs-page.png') });
  const create = await createOrderFromDocs(page, `screenshot-${Date.now()}`);
  await create
    .locator('.responses-inner > div')
    .first()
    .screenshot({ path: image('docs-try-it.png') });
  console.log(`wrote ${image('docs-page.png')} and ${image('docs-try-it.png')}`);
} finally {
  await browser.close();
}
