import path from 'node:path';
import { run } from './processes.ts';
import { APPS, REPO_ROOT } from './repo.ts';

/**
 * vitest globalSetup: `pnpm build`'s bundle of each app (dist/main.js, dist/migrate.js), made once before any test
 * file runs, so files running side by side never rebuild a dist/ another one is executing.
 */
export default async function buildApps(): Promise<void> {
  for (const app of APPS) {
    const built = await run(
      'node',
      ['../../tooling/scripts/build-app.mjs'],
      path.join(REPO_ROOT, 'apps', app),
      {},
    );
    if (built.code !== 0) throw new Error(`building ${app} failed:\n${built.output}`);
  }
}
