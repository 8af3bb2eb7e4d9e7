import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isIPv4 } from 'node:net';
import path from 'node:path';
import { databaseUrlVariable } from '@oos/db-kit';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { notForDeployment, portOf, variablesReadBy } from './app-variables.ts';
import { environmentOf, readCompose, readEnvExample, readRawCompose, service } from './compose-file.ts';
import { healthcheckUrl } from './healthcheck.ts';
import { referencedVariables, stringsIn } from './interpolate.ts';
import { inCidr } from './ipv4.ts';
import { EDGE_TEMPLATE_PATH, readEdgeTemplate, templateVariables } from './nginx.ts';
import { APPS, PREFIX, REPO_ROOT } from './repo.ts';

const compose = readCompose();
const envExample = readEnvExample();

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
        expect([...read].filter((name) => !(name in env) && !notForDeployment(app, name))).toEqual([]);
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

      it('restarts, has resource limits, and runs its own image', () => {
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

  it('publishes only the TLS edge, on the ports .env sets (and, in the observability profile, Grafana)', () => {
    const publishing = Object.entries(compose.services)
      .filter(([, definition]) => (definition.ports ?? []).length > 0)
      .map(([name]) => name);
    // Grafana is the one exception: an operator's dashboard, started only with `--profile observability`.
    expect(publishing.sort()).toEqual(['grafana', 'proxy']);
    expect(service(compose, 'grafana').profiles).toEqual(['observability']);
    expect(service(compose, 'grafana').ports).toEqual(['3000:3000']);
    const proxyEnv = environmentOf(compose, 'proxy');
    expect(service(compose, 'proxy').ports).toEqual([
      `${envExample.get('HTTPS_PUBLISHED_PORT')}:${proxyEnv.NGINX_HTTPS_PORT}`,
      `${envExample.get('HTTP_PUBLISHED_PORT')}:${proxyEnv.NGINX_HTTP_PORT}`,
    ]);
    expect(proxyEnv.HTTPS_PUBLISHED_PORT).toBe(envExample.get('HTTPS_PUBLISHED_PORT'));
    expect(compose.networks.backend?.internal).toBe(true);
    expect(compose.networks.edge?.internal).toBe(true);
    const expected: Record<string, string[]> = {
      gateway: ['backend', 'edge'],
      proxy: ['edge', 'public'],
      grafana: ['backend', 'public'],
    };
    for (const [name, definition] of Object.entries(compose.services)) {
      expect({ name, networks: Object.keys(definition.networks).sort() }).toEqual({
        name,
        networks: expected[name] ?? ['backend'],
      });
    }
  });

  it('scales the gateway: no published port, no fixed container name, trusting only the proxy', () => {
    const raw = z.object({ services: z.record(z.string(), z.record(z.string(), z.unknown())) });
    const gateway = raw.parse(readRawCompose()).services.gateway ?? {};
    expect(gateway).not.toHaveProperty('ports');
    expect(gateway).not.toHaveProperty('container_name');
    const proxyAddress = service(compose, 'proxy').networks.edge?.ipv4_address ?? '';
    const [edge] = compose.networks.edge?.ipam?.config ?? [];
    expect(isIPv4(proxyAddress)).toBe(true);
    expect(inCidr(proxyAddress, edge?.subnet ?? '')).toBe(true);
    // Docker hands the gateway containers addresses from ip_range: the proxy's own must never be one of them.
    expect(inCidr(proxyAddress, edge?.ip_range ?? '')).toBe(false);
    expect(environmentOf(compose, 'gateway').TRUST_PROXY).toBe(proxyAddress);
  });

  it('runs the official nginx with the edge template, setting exactly the variables the template uses', () => {
    const proxy = service(compose, 'proxy');
    expect(proxy.image).toMatch(/^nginx:\d+\.\d+-alpine$/);
    expect(proxy.restart).toBe('unless-stopped');
    expect(proxy.deploy?.resources.limits).toBeDefined();
    // The image renders /etc/nginx/templates/*.template into conf.d; default.conf replaces its welcome page.
    expect(proxy.volumes).toContain('./deploy/nginx/templates:/etc/nginx/templates:ro');
    expect(path.join(REPO_ROOT, 'deploy/nginx/templates/default.conf.template')).toBe(EDGE_TEMPLATE_PATH);
    const env = environmentOf(compose, 'proxy');
    expect(proxy.volumes).toContain(`${envExample.get('TLS_CERT_DIR')}:${env.TLS_DIR}:ro`);
    expect(Object.keys(env).sort()).toEqual([...templateVariables(readEdgeTemplate())].sort());
    expect(env.PROXY_MAX_BODY_BYTES).toBe(environmentOf(compose, 'gateway').API_MAX_BYTES);
    expect(env.GATEWAY_UPSTREAM_SERVERS).toMatch(
      new RegExp(`^server gateway:${portOf('gateway', environmentOf(compose, 'gateway'))} `),
    );
    expect(proxy.depends_on.gateway).toEqual({ condition: 'service_healthy' });
    expect(proxy.healthcheck?.test.join(' ')).toContain(
      `http://127.0.0.1:${env.NGINX_HTTP_PORT}/nginx-health`,
    );
    expect(readEdgeTemplate()).toContain('location = /nginx-health');
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

describe('Dockerfile', () => {
  const root = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'));
  const workspace = readFileSync(path.join(REPO_ROOT, 'pnpm-workspace.yaml'), 'utf8');
  const turboVersion = /^ {2}turbo: (\S+)$/m.exec(workspace)?.[1];
  const dockerfile = readFileSync(path.join(REPO_ROOT, 'Dockerfile'), 'utf8');

  it('is the one recipe: no app keeps a Dockerfile of its own', () => {
    for (const app of APPS) expect(existsSync(path.join(REPO_ROOT, 'apps', app, 'Dockerfile'))).toBe(false);
  });

  it('prunes to the app given as a build argument, installs from the lockfile, runs as non-root', () => {
    expect(dockerfile).toContain(`turbo prune "@oos/\${APP}" --docker`);
    expect(dockerfile).toContain(`npm install --global ${root.packageManager}`);
    expect(dockerfile).toContain(`npm install --global turbo@${turboVersion}`);
    expect(dockerfile).toMatch(/pnpm install --frozen-lockfile --ignore-scripts/);
    expect(dockerfile).toMatch(/pnpm install --frozen-lockfile --prod --ignore-scripts/);
    expect(dockerfile).toContain(`RUN pnpm turbo run build --filter="@oos/\${APP}"`);
    expect(dockerfile).toContain(`ENV NODE_ENV=production HOST=0.0.0.0 OOS_APP=\${APP} PORT=\${APP_PORT}\n`);
    expect(dockerfile).toContain(`EXPOSE \${APP_PORT}\n`);
    expect(dockerfile).toContain('USER node\n');
    expect(dockerfile).toMatch(/CMD \["node", ("--[a-z-]+(=[^"]*)?", )*"dist\/main\.js"\]\n$/);
    expect(dockerfile).not.toContain('--enable-source-maps"');
    expect(dockerfile).not.toMatch(/curl|tsx/);
  });

  it('keeps the TLS key out of the build context', () => {
    const ignored = readFileSync(path.join(REPO_ROOT, '.dockerignore'), 'utf8').split('\n');
    const certDir = (envExample.get('TLS_CERT_DIR') ?? '').replace(/^\.\//, '');
    expect(ignored).toContain(certDir);
  });

  it('runs on the Node 24 LTS that CI tests with', () => {
    const image = /^ARG NODE_IMAGE=node:(\d+)\.(\d+)-bookworm-slim$/m.exec(dockerfile);
    const ci = /const NODE24_VERSION = '(\d+)\.(\d+)\.\d+'/.exec(
      readFileSync(path.join(REPO_ROOT, 'tooling/scripts/node24.mjs'), 'utf8'),
    );
    expect(image?.slice(1)).toEqual(ci?.slice(1));
    expect(image?.[1]).toBe('24');
  });

  for (const app of APPS) {
    it(`${app}: compose builds it with its name and default port; the healthcheck finds the port it listens on`, () => {
      const port = portOf(app, {});
      for (const name of [app, `${app}-migrate`]) {
        expect(service(compose, name).build).toEqual({
          context: '.',
          dockerfile: 'Dockerfile',
          args: { APP: app, APP_PORT: String(port) },
        });
      }
      const line = /^ {2}CMD (\["node", "-e", .+\])$/m.exec(dockerfile)?.[1] ?? '[]';
      const [, , healthcheck = ''] = z.array(z.string()).parse(JSON.parse(line));
      // The image's environment, then a deployment that moves the app with its prefixed variable.
      expect(healthcheckUrl(healthcheck, { OOS_APP: app, PORT: String(port) })).toBe(
        `http://127.0.0.1:${port}/health`,
      );
      expect(
        healthcheckUrl(healthcheck, { OOS_APP: app, PORT: String(port), [`${PREFIX[app]}_PORT`]: '7777' }),
      ).toBe('http://127.0.0.1:7777/health');
      expect(portOf(app, { PORT: String(port), [`${PREFIX[app]}_PORT`]: '7777' })).toBe(7777);
    });
  }
});
