import { readdirSync } from 'node:fs';
import path from 'node:path';
import { createTestDatabase, describeWithPostgres, isCi } from '@oos/db-kit/testing';
import pg from 'pg';
import { expect, it } from 'vitest';
import { appDir, relocate } from '../compose-stack.ts';
import { run } from '../processes.ts';
import { APPS, REPO_ROOT } from '../repo.ts';
import { containerEnv } from './container-env.ts';
import { configMaps, secrets, workload } from './objects.ts';
import { kubectlVersion, renderOverlay } from './render.ts';

// Every pod runs its database's migrations in an init container, so replicas starting together (a rollout, the
// autoscaler, the first apply) migrate at the same moment. The migrator takes PostgreSQL's advisory lock; this
// runs what those init containers run, three at once, against one real database.

const REPLICAS = 3;
const kustomize = kubectlVersion();
if (kustomize === undefined && isCi())
  throw new Error('kubectl is not on PATH: cannot render the overlay under CI');

await describeWithPostgres('init containers of replicas starting together', () => {
  const objects = kustomize === undefined ? [] : renderOverlay('dev');

  for (const app of APPS) {
    it.skipIf(kustomize === undefined)(
      `${app}: ${REPLICAS} at once apply each migration exactly once`,
      async () => {
        const [migrate] = workload(objects, app).pod.initContainers;
        if (migrate === undefined) throw new Error(`${app} has no init container`);
        const database = await createTestDatabase(`k8s_init_${app}`);
        try {
          const env = Object.fromEntries(
            [...containerEnv(migrate, configMaps(objects), secrets(objects))].map(([name, entry]) => [
              name,
              relocate(entry.value ?? '', database.url),
            ]),
          );
          const [command = '', ...args] = migrate.command ?? [];
          const runs = await Promise.all(
            Array.from({ length: REPLICAS }, () =>
              run(command, args, appDir(app), { ...env, NODE_ENV: 'production' }),
            ),
          );
          expect(runs.map((result) => result.code)).toEqual(Array(REPLICAS).fill(0));
          // One of them applied everything; the others waited for it and found nothing left.
          expect(runs.filter((result) => /applied/.test(result.output))).toHaveLength(1);
          expect(
            runs.filter((result) => result.output.includes(`${app}: no pending migrations`)),
          ).toHaveLength(REPLICAS - 1);
          const folders = readdirSync(path.join(REPO_ROOT, 'packages', `db-${app}`, 'prisma/migrations'), {
            withFileTypes: true,
          })
            .filter((entry) => entry.isDirectory())
            .map((entry) => entry.name)
            .sort();
          const client = new pg.Client({ connectionString: database.url });
          await client.connect();
          try {
            const recorded = await client.query(
              'SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL ORDER BY migration_name',
            );
            expect(recorded.rows.map((row) => String(row.migration_name))).toEqual(folders);
          } finally {
            await client.end();
          }
        } finally {
          await database.drop();
        }
      },
    );
  }
});
