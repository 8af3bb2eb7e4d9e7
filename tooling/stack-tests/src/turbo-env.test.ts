import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { variablesReadBy } from './app-variables.ts';
import { APPS, REPO_ROOT } from './repo.ts';

const turboSchema = z.object({ globalPassThroughEnv: z.array(z.string()) });
const passThrough = turboSchema.parse(
  JSON.parse(readFileSync(path.join(REPO_ROOT, 'turbo.json'), 'utf8')),
).globalPassThroughEnv;

const passesThrough = (variable: string) =>
  passThrough.some((entry) =>
    entry.endsWith('*') ? variable.startsWith(entry.slice(0, -1)) : entry === variable,
  );

// turbo runs tasks in strict environment mode: a variable it does not list never reaches `pnpm start`.
describe('turbo passes every variable the apps read', () => {
  it.each(APPS)('%s', (app) => {
    const dropped = [...variablesReadBy(app)].filter((variable) => !passesThrough(variable));
    // PORT and DATABASE_URL are left out on purpose: through turbo only the prefixed spellings count (CONTRACT §2).
    expect(dropped.filter((variable) => variable !== 'PORT' && variable !== 'DATABASE_URL')).toEqual([]);
  });

  it('does not pass the plain PORT or DATABASE_URL, so a stray one cannot make the apps collide', () => {
    expect(passesThrough('PORT')).toBe(false);
    expect(passesThrough('DATABASE_URL')).toBe(false);
  });
});
