import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { databaseUrlVariable } from '@oos/db-kit';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { portOf, variablesReadBy } from './app-variables.ts';
import { environmentOf, readCompose, readEnvExample, readRawCompose, service } from './compose-file.ts';
import { referencedVariables, stringsIn } from './interpolate.ts';
import { APPS, type AppName, PREFIX, REPO_ROOT } from './repo.ts';

const compose = readCompose();
const envExample = readEnvExample();

/** What an app reads but compose deliberately leaves out: the unprefixed spellings and the embedded-mode folder. */
function notForCompose(app: AppName, name: string): boolean {
  const otherPrefixes = APPS.filter((other) => other !== app).map((other) => `${PREFIX[other]}_`);
  return (
    name === 'PORT' ||
    name === 'DATABASE_URL' ||
    name === 'DATA_DIR' ||
    (otherPrefixes.some((prefix) => name.startsWith(prefix)) && !name.endsWith('_BASE_URL'))
  );
}

function databaseName(url: string): string {
  return new URL(url).pathname.slice(1);
}

describe('docker-compose.yml', () => {
  it('is valid against the compose specification schema', () => {
    const require = createRequire(import.meta.url);
    const schemaPath = path.join(
      path.dirname(require.resolve('dclint/package.json')),
      'schemas/compose.schema.json',
    );
    const ajv = new Ajv({ allErrors: true, strict: false });
    // The schema names draft-07 by a URL Ajv does not register; draft-07 is what Ajv implements by default.
    const { $schema: _draft, ...schema } = z
      .record(z.string(), z.unknown())
      .parse(JSON.parse(readFileSync(schemaPath, 'utf8')));
    const validate = ajv.compile(schema);
    const valid = validate(readRawCompose());
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('refers only to variables that .env.example documents', () => {
    const referenced = new Set(stringsIn(readRawCompose()).flatMap(referencedVariables));
    expect([...referenced].filter((name) => !envExample.has(name))).toEqual([]);
  });

  it('.env.example lists only variables that compose or an app reads', () => {
    const referenced = new Set(stringsIn(readRawCompose()).flatMap(referencedVariables));
    const read = new Set(APPS.flatMap((app) => [...variablesReadBy(app)]));
    expect([...envExample.keys()].filter((name) => !referenced.has(name) && !read.has(name))).toEqual([]);
  });

  it('refuses to start without the secrets', () => {
    const withoutToken = new Map(envExample);
    withoutToken.delete('INTERNAL_API_TOKEN');
    expect(() => readCompose(withoutToken)).toThrow(/INTERNAL_API_TOKEN/);
    const withoutPassword = new Map(envExample);
    withoutPassword.delete('POSTGRES_PASSWORD');
    expect(() => readCompose(withoutPassword)).toThrow(/POSTGRES_PASSWORD/);
  });

  for (const app of APPS) {
    describe(app, () => {
      const env = environmentOf(compose, app);
      const read = variablesReadBy(app);

      it('sets only variables the app reads, and every one it reads', () => {
        expect(Object.keys(env).filter((name) => !read.has(name))).toEqual([]);
        expect([...read].filter((name) => !(name in env) && !notForCompose(app, name))).toEqual([]);
      });

      it('runs in production, reachable from the other containers, with its prefixed variables', () => {
        expect(env.NODE_ENV).toBe('production');
        expect(env.HOST).toBe('0.0.0.0');
        expect(env[`${PREFIX[app]}_PORT`]).toBeDefined();
        expect(env[databaseUrlVariable(app)]).toMatch(/^postgresql:\/\/.+@postgres:5432\/oos_/);
        expect(env.INTERNAL_API_TOKEN).toBe(envExample.get('INTERNAL_API_TOKEN'));
      });

      it('has a healthcheck on /health at the port the app listens on', () => {
        const port = portOf(app, env);
        const test = service(compose, app).healthcheck?.test ?? [];
        expect(test.slice(0, 3)).toEqual(['CMD', 'node', '-e']);
        expect(test.join(' ')).toContain(`http://127.0.0.1:${port}/health'`);
      });

      it('waits for its database migration and for healthy dependencies', () => {
        const dependsOn = service(compose, app).depends_on;
        expect(dependsOn[`${app}-migrate`]).toEqual({ condition: 'service_completed_successfully' });
        expect(dependsOn.postgres).toEqual({ condition: 'service_healthy' });
        const migrate = environmentOf(compose, `${app}-migrate`);
        // The migration service migrates exactly the database the app uses, and is given nothing else.
        expect(migrate).toEqual({ [databaseUrlVariable(app)]: env[databaseUrlVariable(app)] });
        expect(service(compose, `${app}-migrate`)).toMatchObject({
          command: ['node', 'dist/migrate.js', 'deploy'],
          image: service(compose, app).image,
          restart: 'no',
          depends_on: { postgres: { condition: 'service_healthy' } },
        });
      });

      it('restarts, has resource limits, and is built from its own Dockerfile', () => {
        const definition = service(compose, app);
        expect(definition.restart).toBe('unless-stopped');
        expect(definition.deploy?.resources.limits).toBeDefined();
        expect(definition.image).toMatch(new RegExp(`^oos-${app}:`));
      });
    });
  }

  it('gives the gateway the other services at their ports, and Redis', () => {
    const env = environmentOf(compose, 'gateway');
    expect(env.INVENTORY_BASE_URL).toBe(
      `http://inventory:${portOf('inventory', environmentOf(compose, 'inventory'))}`,
    );
    expect(env.PAYMENTS_BASE_URL).toBe(
      `http://payments:${portOf('payments', environmentOf(compose, 'payments'))}`,
    );
    expect(env.REDIS_URL).toMatch(/^redis:\/\/redis:6379\//);
    const dependsOn = service(compose, 'gateway').depends_on;
    for (const upstream of ['inventory', 'payments', 'redis']) {
      expect(dependsOn[upstream]).toEqual({ condition: 'service_healthy' });
    }
  });

  it('publishes only the gateway, on its port (and, in the observability profile, Grafana)', () => {
    const publishing = Object.entries(compose.services)
      .filter(([, definition]) => (definition.ports ?? []).length > 0)
      .map(([name]) => name);
    // Grafana is the one exception: an operator's dashboard, started only with `--profile observability`.
    expect(publishing).toEqual(['gateway', 'grafana']);
    expect(service(compose, 'grafana').profiles).toEqual(['observability']);
    expect(service(compose, 'grafana').ports).toEqual(['3000:3000']);
    const port = portOf('gateway', environmentOf(compose, 'gateway'));
    expect(service(compose, 'gateway').ports).toEqual([
      `${envExample.get('GATEWAY_PUBLISHED_PORT')}:${port}`,
    ]);
    expect(compose.networks.backend?.internal).toBe(true);
    for (const [name, definition] of Object.entries(compose.services)) {
      expect({ name, networks: definition.networks.filter((network) => network !== 'backend') }).toEqual({
        name,
        networks: name === 'gateway' || name === 'grafana' ? ['public'] : [],
      });
    }
  });

  it('creates every database the services use, on one PostgreSQL 16 server with data on volumes', () => {
    const initSql = readFileSync(
      path.join(REPO_ROOT, 'deploy/postgres/initdb/10-create-databases.sql'),
      'utf8',
    );
    const created = [...initSql.matchAll(/CREATE DATABASE (\w+);/g)].map((match) => match[1]);
    const used = APPS.map((app) => databaseName(environmentOf(compose, app)[databaseUrlVariable(app)] ?? ''));
    expect(created.sort()).toEqual(used.sort());
    expect(new Set(used).size).toBe(APPS.length);
    expect(service(compose, 'postgres').image).toMatch(/^postgres:16/);
    expect(service(compose, 'postgres').volumes).toContain(
      './deploy/postgres/initdb:/docker-entrypoint-initdb.d:ro',
    );
    expect(service(compose, 'redis').image).toMatch(/^redis:7/);
    expect(Object.keys(compose.volumes).sort()).toEqual(['postgres-data', 'redis-data']);
  });
});

describe('Dockerfiles', () => {
  const root = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'));
  const workspace = readFileSync(path.join(REPO_ROOT, 'pnpm-workspace.yaml'), 'utf8');
  const turboVersion = /^ {2}turbo: (\S+)$/m.exec(workspace)?.[1];

  for (const app of APPS) {
    it(`${app}: pruned, frozen-lockfile, pinned tools, non-root, node healthcheck at the app's port`, () => {
      const dockerfile = readFileSync(path.join(REPO_ROOT, 'apps', app, 'Dockerfile'), 'utf8');
      const port = portOf(app, {});
      expect(dockerfile).toContain(`turbo prune @oos/${app} --docker`);
      expect(dockerfile).toContain(`npm install --global ${root.packageManager}`);
      expect(dockerfile).toContain(`npm install --global turbo@${turboVersion}`);
      expect(dockerfile).toMatch(/pnpm install --frozen-lockfile --ignore-scripts/);
      expect(dockerfile).toMatch(/pnpm install --frozen-lockfile --prod --ignore-scripts/);
      expect(dockerfile).toContain(`ENV NODE_ENV=production HOST=0.0.0.0 ${PREFIX[app]}_PORT=${port}\n`);
      expect(dockerfile).toContain(`EXPOSE ${port}\n`);
      expect(dockerfile).toContain('USER node\n');
      expect(dockerfile).toContain(`process.env.${PREFIX[app]}_PORT+'/health'`);
      expect(dockerfile).toMatch(/CMD \["node", "--enable-source-maps", "dist\/main\.js"\]\n$/);
      expect(dockerfile).not.toMatch(/curl|tsx/);
    });
  }
});
