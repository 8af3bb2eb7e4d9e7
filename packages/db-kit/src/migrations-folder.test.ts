import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  LOCKFILE_CONTENT,
  migrationTimestamp,
  readMigrationsFolder,
  sanitizeMigrationName,
  writeMigration,
} from './migrations-folder.ts';
import { freshTempDir } from './testing.ts';

describe('migrations folder', () => {
  it('formats the timestamp prefix as Prisma does', () => {
    expect(migrationTimestamp(new Date('2026-03-04T05:06:07.890Z'))).toBe('20260304050607');
  });

  it('turns a free-form name into a folder-safe one and refuses an empty one', () => {
    expect(sanitizeMigrationName(' Add Orders-Index ')).toBe('add_orders_index');
    expect(() => sanitizeMigrationName('--')).toThrow(/not a usable migration name/);
  });

  it('reads a missing folder as an empty PostgreSQL history', async () => {
    const dir = join(await freshTempDir(), 'migrations');
    const list = await readMigrationsFolder(dir);
    expect(list.migrationDirectories).toEqual([]);
    expect(list.lockfile.content).toContain('provider = "postgresql"');
  });

  it('writes a migration with the lockfile and reads the folders back in order', async () => {
    const dir = join(await freshTempDir(), 'migrations');
    await mkdir(join(dir, '20200101000000_first'), { recursive: true });
    await writeFile(join(dir, '20200101000000_first', 'migration.sql'), 'SELECT 1;');
    const folder = await writeMigration(dir, 'second', 'SELECT 2;');
    await mkdir(join(dir, '20100101000000_broken'));

    expect(await readFile(join(dir, 'migration_lock.toml'), 'utf8')).toBe(LOCKFILE_CONTENT);
    const list = await readMigrationsFolder(dir);
    expect(list.migrationDirectories.map((entry) => entry.path)).toEqual([
      '20100101000000_broken',
      '20200101000000_first',
      folder,
    ]);
    expect(list.migrationDirectories[0]?.migrationFile.content.tag).toBe('error');
    expect(list.migrationDirectories[2]?.migrationFile.content).toEqual({ tag: 'ok', value: 'SELECT 2;' });
  });
});
