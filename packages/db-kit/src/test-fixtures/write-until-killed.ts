// A process that holds an embedded database and commits rows until it is killed, printing each row's id once its
// commit has returned: `tsx write-until-killed.ts <dataDir> <migrationsDir> <templatesDir>`.
import { openEmbeddedDatabase } from '../embedded-database.ts';

const [dir, migrationsDir, templatesDir] = process.argv.slice(2);
if (dir === undefined || migrationsDir === undefined)
  throw new Error('usage: <dataDir> <migrationsDir> [templatesDir]');

const { pglite } = await openEmbeddedDatabase({ dir, label: 'fixture', migrationsDir, templatesDir });
for (let id = 1; ; id++) {
  await pglite.query('INSERT INTO "kills" ("id") VALUES ($1)', [id]);
  process.stdout.write(`${id}\n`);
}
