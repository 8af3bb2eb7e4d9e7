import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { isCi } from '@oos/db-kit/testing';
import { describe, expect, it } from 'vitest';
import { notForDeployment, portOf, variablesReadBy } from '../app-variables.ts';
import { environmentOf, readCompose, service } from '../compose-file.ts';
import { APPS, type AppName, REPO_ROOT } from '../repo.ts';
import { containerEnv, envForConfigReader, envValues } from './container-env.ts';
import { admittedConnections, type Peer } from './network-policies.ts';
import {
  autoscalers,
  type Container,
  configMaps,
  disruptionBudgets,
  ingresses,
  secrets,
  selects,
  services,
  type Workload,
  workload,
  workloads,
} from './objects.ts';
import { readmeSecretCommands, readmeSection } from './readme.ts';
import {
  describeObject,
  type K8sObject,
  kubectlVersion,
  OVERLAYS,
  type Overlay,
  renderOverlay,
} from './render.ts';
import { schemaErrors } from './schemas.ts';

// The Kustomize overlays as `kubectl apply -k` would send them, checked the way a reviewer would: against the
// Kubernetes API schemas, then for what the apps need and what the architecture allows.

const kustomize = kubectlVersion();
if (kustomize === undefined && isCi())
  throw new Error('kubectl is not on PATH: the Kubernetes overlays cannot go unchecked under CI');
if (kustomize === undefined)
  console.warn(
    '\n⚠️  SKIPPING THE KUBERNETES CHECKS: kubectl (with its built-in Kustomize) is not on PATH.\n',
  );
const suite = kustomize === undefined ? describe.skip : describe;

const NAMESPACE: Record<Overlay, string> = { dev: 'oos-dev', production: 'oos' };
/** What must never sit in a ConfigMap: the token, and URLs that carry passwords. */
const SECRET_VARIABLES = [
  'INTERNAL_API_TOKEN',
  'GATEWAY_DATABASE_URL',
  'INVENTORY_DATABASE_URL',
  'PAYMENTS_DATABASE_URL',
  'REDIS_URL',
  'WEBHOOK_SECRET',
];
/** Where the Kubernetes value differs from compose's on purpose (see base/gateway.env and production/). */
const NOT_AS_IN_COMPOSE = new Set(['TRUST_PROXY', 'ALLOWED_HOSTS']);
const compose = readCompose();

function appContainer(pods: Workload, app: AppName): Container {
  const found = pods.pod.containers.find((container) => container.name === app);
  if (found === undefined) throw new Error(`${pods.name} has no container named ${app}`);
  return found;
}

function allContainers(pods: Workload): Container[] {
  return [...pods.pod.initContainers, ...pods.pod.containers];
}

/** The number of the port a container exposes under `name`. */
function namedPort(container: Container, name: string | number): number | undefined {
  if (typeof name === 'number') return name;
  return container.ports.find((port) => port.name === name)?.containerPort;
}

/** Follows host:port to a Service of the overlay, and on to the pods it selects and the port they serve it on. */
function resolveService(objects: K8sObject[], host: string, port: number | string) {
  const target = services(objects).find((candidate) => candidate.metadata.name === host);
  if (target === undefined) return undefined;
  const servicePort = target.spec.ports.find(
    (candidate) => candidate.port === port || candidate.name === port,
  );
  if (servicePort === undefined) return undefined;
  const pods = workloads(objects).filter((candidate) =>
    selects({ matchLabels: target.spec.selector }, candidate.labels),
  );
  const [only] = pods;
  if (pods.length !== 1 || only === undefined) return undefined;
  const container = only.pod.containers.find(
    (candidate) => namedPort(candidate, servicePort.targetPort) !== undefined,
  );
  return container === undefined
    ? undefined
    : { workload: only, container, containerPort: namedPort(container, servicePort.targetPort) };
}

for (const overlay of OVERLAYS) {
  suite(`deploy/k8s/${overlay} (kubectl kustomize, Kustomize ${kustomize})`, () => {
    const objects = kustomize === undefined ? [] : renderOverlay(overlay);
    const namespace = NAMESPACE[overlay];
    const maps = configMaps(objects);
    const secretData = secrets(objects);
    const envOf = (container: Container) => containerEnv(container, maps, secretData);

    it('renders only objects that are valid against the Kubernetes API schema of their kind', () => {
      expect(objects.length).toBeGreaterThan(10);
      const errors = objects.flatMap((object) =>
        schemaErrors(object).map((error) => `${describeObject(object)}: ${error}`),
      );
      expect(errors).toEqual([]);
    });

    it(`puts everything in the ${namespace} namespace, which it creates`, () => {
      expect(
        objects.filter((object) => object.kind === 'Namespace').map((object) => object.metadata.name),
      ).toEqual([namespace]);
      const elsewhere = objects.filter(
        (object) => object.kind !== 'Namespace' && object.metadata.namespace !== namespace,
      );
      expect(elsewhere.map(describeObject)).toEqual([]);
    });

    for (const app of APPS) {
      describe(app, () => {
        const pods = kustomize === undefined ? undefined : workload(objects, app);
        const deployed = () => {
          if (pods === undefined) throw new Error('not rendered');
          return pods;
        };

        it('gets every variable its config reader requires, from its ConfigMap or a Secret, and nothing else', () => {
          const env = envOf(appContainer(deployed(), app));
          const read = variablesReadBy(app);
          expect([...env.keys()].filter((name) => !read.has(name))).toEqual([]);
          expect([...read].filter((name) => !env.has(name) && !notForDeployment(app, name))).toEqual([]);
          for (const name of SECRET_VARIABLES.filter((variable) => env.has(variable)))
            expect({ name, source: env.get(name)?.source }).toEqual({ name, source: 'secret' });
        });

        it("starts only after an init container ran the image's migrations, as compose's migrate service does", () => {
          const container = appContainer(deployed(), app);
          const inits = deployed().pod.initContainers;
          expect(inits.map((init) => init.name)).toEqual(['migrate']);
          const [migrate] = inits;
          expect(migrate?.command).toEqual(service(compose, `${app}-migrate`).command);
          expect(migrate?.image).toBe(container.image);
          // The same database the app uses, and nothing else (compose's migrate services get the same one variable).
          const variable = Object.keys(environmentOf(compose, `${app}-migrate`));
          expect(migrate?.env.map((entry) => entry.name)).toEqual(variable);
          const [name = ''] = variable;
          expect(migrate?.env[0]?.valueFrom?.secretKeyRef).toEqual(envOf(container).get(name)?.secret);
        });

        it('probes /health for liveness and /ready for readiness on its port, and pauses before SIGTERM', () => {
          const container = appContainer(deployed(), app);
          const port = portOf(app, envForConfigReader(envOf(container)));
          for (const [probe, path] of [
            [container.livenessProbe, '/health'],
            [container.readinessProbe, '/ready'],
          ] as const) {
            expect(probe?.httpGet?.path).toBe(path);
            expect(namedPort(container, probe?.httpGet?.port ?? '')).toBe(port);
          }
          const pause = container.lifecycle?.preStop?.sleep?.seconds ?? 0;
          expect(pause).toBeGreaterThan(0);
          // The pause and the app's own drain both fit in the grace period before the kubelet's SIGKILL.
          const drainMs = Number(envValues(envOf(container)).SHUTDOWN_GRACE_MS ?? '0');
          expect(deployed().pod.terminationGracePeriodSeconds ?? 30).toBeGreaterThan(pause + drainMs / 1000);
        });

        it('uses the image compose builds for it, for the app and its migrations alike', () => {
          const images = new Set(allContainers(deployed()).map((container) => container.image));
          expect(images.size).toBe(1);
          const [image = ''] = images;
          if (overlay === 'dev') expect(image).toBe(service(compose, app).image);
          else expect(image).toMatch(new RegExp(`^[a-z0-9.-]+(:\\d+)?/([a-z0-9._-]+/)*oos-${app}:[\\w.-]+$`));
        });

        it('has a PodDisruptionBudget that lets at most one of its pods go at a time', () => {
          const budgets = disruptionBudgets(objects).filter((budget) =>
            selects(budget.spec.selector, deployed().labels),
          );
          expect(budgets.map((budget) => budget.spec.maxUnavailable)).toEqual([1]);
        });
      });
    }

    it('gives every container resource requests and limits, and every long-running one liveness and readiness probes', () => {
      const problems: string[] = [];
      for (const pods of workloads(objects)) {
        for (const container of allContainers(pods)) {
          for (const kind of ['requests', 'limits'] as const)
            for (const resource of ['cpu', 'memory'])
              if (container.resources?.[kind]?.[resource] === undefined)
                problems.push(`${pods.name}/${container.name}: no ${resource} ${kind}`);
        }
        for (const container of pods.pod.containers) {
          if (container.livenessProbe === undefined)
            problems.push(`${pods.name}/${container.name}: no liveness probe`);
          if (container.readinessProbe === undefined)
            problems.push(`${pods.name}/${container.name}: no readiness probe`);
        }
      }
      expect(problems).toEqual([]);
    });

    it('runs every container as non-root, with a read-only root filesystem, no privilege escalation, no capabilities', () => {
      const problems: string[] = [];
      for (const pods of workloads(objects)) {
        const pod = pods.pod;
        if (pod.securityContext?.runAsNonRoot !== true || pod.securityContext.runAsUser === 0)
          problems.push(`${pods.name}: may run as root`);
        // Service links would put e.g. GATEWAY_PORT=tcp://… into the pods: the variable the gateway listens on.
        if (pod.enableServiceLinks !== false) problems.push(`${pods.name}: service links enabled`);
        if (pod.automountServiceAccountToken !== false) problems.push(`${pods.name}: mounts an API token`);
        for (const container of allContainers(pods)) {
          const context = container.securityContext;
          if (context?.allowPrivilegeEscalation !== false)
            problems.push(`${pods.name}/${container.name}: privilege escalation allowed`);
          if (context?.readOnlyRootFilesystem !== true)
            problems.push(`${pods.name}/${container.name}: writable root filesystem`);
          if (!(context?.capabilities?.drop ?? []).includes('ALL'))
            problems.push(`${pods.name}/${container.name}: keeps capabilities`);
        }
      }
      expect(problems).toEqual([]);
    });

    it('keeps the token and every URL with credentials out of ConfigMaps', () => {
      const problems: string[] = [];
      for (const [name, data] of maps) {
        for (const [key, value] of Object.entries(data)) {
          if (SECRET_VARIABLES.includes(key) || /TOKEN|PASSWORD|SECRET/.test(key))
            problems.push(`${name}: ${key}`);
          if (/:\/\/[^/@\s]*:[^/@\s]*@/.test(value)) problems.push(`${name}: ${key} holds credentials`);
        }
      }
      expect(problems).toEqual([]);
      for (const pods of workloads(objects))
        for (const container of allContainers(pods))
          for (const entry of container.env)
            if (SECRET_VARIABLES.includes(entry.name) || entry.name === 'POSTGRES_PASSWORD')
              expect({
                where: `${pods.name}/${container.name}`,
                name: entry.name,
                literal: entry.value,
              }).toEqual({
                where: `${pods.name}/${container.name}`,
                name: entry.name,
                literal: undefined,
              });
    });

    it('admits exactly the connections the architecture has (NetworkPolicies)', () => {
      const pods = workloads(objects).map((pods) => ({
        name: pods.name,
        namespace: pods.namespace,
        labels: pods.labels,
        ports: pods.pod.containers.flatMap((container) => container.ports),
      }));
      const sources: Peer[] = [
        ...pods,
        {
          name: 'ingress-controller',
          namespace: 'ingress-nginx',
          labels: { 'app.kubernetes.io/name': 'ingress-nginx' },
        },
        { name: 'another-pod-here', namespace, labels: { 'app.kubernetes.io/name': 'debug' } },
        { name: 'a-pod-elsewhere', namespace: 'default', labels: { 'app.kubernetes.io/name': 'gateway' } },
      ];
      // A pod someone adds to the namespace later, which no policy names: the default denial must cover it.
      const later = {
        name: 'a-later-pod',
        namespace,
        labels: { 'app.kubernetes.io/name': 'debug' },
        ports: [{ name: 'http', containerPort: 8080 }],
      };
      const expected = [
        'ingress-controller → gateway:http',
        'gateway → inventory:http',
        'gateway → payments:http',
        ...(overlay === 'dev'
          ? [
              'gateway → postgres-gateway:postgres',
              'inventory → postgres-inventory:postgres',
              'payments → postgres-payments:postgres',
              'gateway → redis:redis',
            ]
          : []),
      ];
      expect([...admittedConnections(objects, [...pods, later], sources)].sort()).toEqual(expected.sort());
    });

    it('wires the gateway to the inventory and payments Services, and the Ingress, with TLS, to the gateway', () => {
      const gateway = workload(objects, 'gateway');
      const env = envForConfigReader(envOf(appContainer(gateway, 'gateway')));
      for (const upstream of ['inventory', 'payments'] as const) {
        const url = new URL(env[`${upstream.toUpperCase()}_BASE_URL`] ?? '');
        const target = resolveService(objects, url.hostname, Number(url.port));
        expect(target?.workload.name).toBe(upstream);
        const upstreamEnv = envForConfigReader(envOf(appContainer(workload(objects, upstream), upstream)));
        expect(target?.containerPort).toBe(portOf(upstream, upstreamEnv));
      }
      const [ingress, ...others] = ingresses(objects);
      expect(others).toEqual([]);
      expect(ingress?.spec.ingressClassName).toBe('nginx');
      const tlsHosts = (ingress?.spec.tls ?? []).flatMap((entry) => entry.hosts);
      for (const rule of ingress?.spec.rules ?? []) {
        expect(tlsHosts).toContain(rule.host);
        for (const path of rule.http.paths) {
          const { name, port } = path.backend.service;
          const target = resolveService(objects, name, port.name ?? port.number ?? 0);
          expect(target?.containerPort).toBe(portOf('gateway', env));
        }
      }
      // One proxy hop in front (the ingress controller), whose namespace alone may reach the gateway (above).
      expect(env.TRUST_PROXY).toBe('1');
      expect(env.SECURE_SSL_REDIRECT).toBe('1');
    });

    it('spreads the gateway pods over zones and nodes', () => {
      const gateway = workload(objects, 'gateway');
      const constraints = gateway.pod.topologySpreadConstraints;
      expect(constraints.map((constraint) => constraint.topologyKey).sort()).toEqual([
        'kubernetes.io/hostname',
        'topology.kubernetes.io/zone',
      ]);
      for (const constraint of constraints)
        expect(selects(constraint.labelSelector, gateway.labels)).toBe(true);
    });

    it('gives the apps the values compose gives them (but for the proxy trust and the host list)', () => {
      for (const app of APPS) {
        const env = envOf(appContainer(workload(objects, app), app));
        const composeEnv = environmentOf(compose, app);
        const differing = [...env]
          .filter(
            ([name, entry]) =>
              entry.source === 'configMap' && name in composeEnv && !NOT_AS_IN_COMPOSE.has(name),
          )
          .filter(([name, entry]) => entry.value !== composeEnv[name])
          .map(([name, entry]) => `${app}: ${name}=${entry.value}, compose ${composeEnv[name]}`);
        expect(differing).toEqual([]);
      }
    });

    if (overlay === 'dev') {
      it('generates every Secret the pods read, but the Ingress certificate, which the README creates', () => {
        const commands = readmeSecretCommands(
          readmeSection(readFileSync(`${REPO_ROOT}/README.md`, 'utf8'), 'Kubernetes'),
        ).get(namespace);
        expect([...(commands?.generic.keys() ?? [])]).toEqual([]);
        const tlsSecrets = ingresses(objects).flatMap((ingress) =>
          ingress.spec.tls.map((entry) => entry.secretName),
        );
        expect([...(commands?.tls ?? [])].sort()).toEqual([...new Set(tlsSecrets)].sort());
        for (const pods of workloads(objects))
          for (const container of allContainers(pods))
            for (const entry of container.env) {
              const ref = entry.valueFrom?.secretKeyRef;
              if (ref !== undefined)
                expect({ ref, value: secretData.get(ref.name)?.[ref.key] !== undefined }).toEqual({
                  ref,
                  value: true,
                });
            }
      });

      it('runs one pod of everything, with no autoscaler', () => {
        expect(workloads(objects).map((pods) => `${pods.name}:${pods.replicas ?? 1}`)).toEqual(
          workloads(objects).map((pods) => `${pods.name}:1`),
        );
        expect(autoscalers(objects)).toEqual([]);
      });

      it('points each app at its own in-cluster PostgreSQL, with the password that server has, and the gateway at Redis', () => {
        for (const app of APPS) {
          const variable = `${app.toUpperCase()}_DATABASE_URL`;
          const url = new URL(envOf(appContainer(workload(objects, app), app)).get(variable)?.value ?? '');
          const server = resolveService(objects, url.hostname, Number(url.port));
          expect(server?.workload.name).toBe(`postgres-${app}`);
          const serverEnv = server === undefined ? new Map() : envOf(server.container);
          expect({
            user: serverEnv.get('POSTGRES_USER')?.value,
            password: serverEnv.get('POSTGRES_PASSWORD')?.value,
            database: serverEnv.get('POSTGRES_DB')?.value,
          }).toEqual({ user: url.username, password: url.password, database: url.pathname.slice(1) });
          // The same PostgreSQL major version as compose.
          expect(server?.container.image).toBe(service(compose, 'postgres').image);
        }
        const redis = new URL(
          envOf(appContainer(workload(objects, 'gateway'), 'gateway')).get('REDIS_URL')?.value ?? '',
        );
        const server = resolveService(objects, redis.hostname, Number(redis.port));
        expect(server?.workload.name).toBe('redis');
        expect(server?.container.image).toBe(service(compose, 'redis').image);
      });
    }

    if (overlay === 'production') {
      it('renders no Secret: the README creates each one the pods read, with exactly those keys', () => {
        expect(objects.filter((object) => object.kind === 'Secret').map(describeObject)).toEqual([]);
        const referenced = new Map<string, Set<string>>();
        for (const pods of workloads(objects))
          for (const container of allContainers(pods))
            for (const entry of container.env) {
              const ref = entry.valueFrom?.secretKeyRef;
              if (ref !== undefined)
                referenced.set(ref.name, (referenced.get(ref.name) ?? new Set()).add(ref.key));
            }
        const commands = readmeSecretCommands(
          readmeSection(readFileSync(`${REPO_ROOT}/README.md`, 'utf8'), 'Kubernetes'),
        );
        expect([...commands.keys()].sort()).toEqual(Object.values(NAMESPACE).sort());
        const created = commands.get(namespace);
        const asLists = (secretsByName: Map<string, Set<string>>) =>
          Object.fromEntries([...secretsByName].map(([name, keys]) => [name, [...keys].sort()]).sort());
        expect(asLists(created?.generic ?? new Map())).toEqual(asLists(referenced));
        const tlsSecrets = ingresses(objects).flatMap((ingress) =>
          ingress.spec.tls.map((entry) => entry.secretName),
        );
        expect([...(created?.tls ?? [])].sort()).toEqual([...new Set(tlsSecrets)].sort());
      });

      it('scales the gateway with an autoscaler from three replicas, and leaves the count to it', () => {
        expect(autoscalers(objects).map((hpa) => hpa.spec.scaleTargetRef)).toEqual([
          { apiVersion: 'apps/v1', kind: 'Deployment', name: 'gateway' },
        ]);
        const [hpa] = autoscalers(objects);
        expect(hpa?.spec.minReplicas).toBeGreaterThanOrEqual(3);
        expect(hpa?.spec.maxReplicas).toBeGreaterThan(hpa?.spec.minReplicas ?? 0);
        // A replicas field would be reset to its value by every `kubectl apply`, fighting the autoscaler.
        expect(workload(objects, 'gateway').replicas).toBeUndefined();
        for (const app of ['inventory', 'payments'])
          expect(workload(objects, app).replicas).toBeGreaterThanOrEqual(2);
      });

      it('answers for the Ingress host, and only for it', () => {
        const env = envValues(envOf(appContainer(workload(objects, 'gateway'), 'gateway')));
        const hosts = ingresses(objects).flatMap((ingress) => ingress.spec.rules.map((rule) => rule.host));
        expect((env.ALLOWED_HOSTS ?? '').split(',').sort()).toEqual(hosts.sort());
      });

      it('tags the three images alike', () => {
        const tags = new Set(
          APPS.map((app) => appContainer(workload(objects, app), app).image.split(':').pop()),
        );
        expect(tags.size).toBe(1);
        expect([...tags][0]).not.toMatch(/^(latest|local)$/);
      });
    }
  });
}

suite("the README's Kubernetes commands", () => {
  const section = readmeSection(readFileSync(`${REPO_ROOT}/README.md`, 'utf8'), 'Kubernetes');
  const rendered = new Map(
    OVERLAYS.map((overlay) => [NAMESPACE[overlay], kustomize === undefined ? [] : renderOverlay(overlay)]),
  );

  it('name files that exist', () => {
    const paths = [...section.matchAll(/\b((?:deploy\/(?:k8s|nginx)|tooling)\/[\w./-]*\w)/g)].map(
      (match) => match[1] ?? '',
    );
    expect(paths.length).toBeGreaterThan(0);
    // The certificate pair is made by `pnpm tls:cert` (and ignored by git): its folder is what must exist.
    const committed = (file: string) => (file.startsWith('deploy/nginx/tls/') ? path.dirname(file) : file);
    expect(paths.filter((file) => !existsSync(path.join(REPO_ROOT, committed(file))))).toEqual([]);
  });

  it('name namespaces, Deployments and containers the overlays render', () => {
    const commands = section
      .split('\n')
      .filter((line) => /^\s*kubectl /.test(line) || /`kubectl /.test(line));
    const problems: string[] = [];
    for (const command of commands) {
      const namespace = /-n ([a-z0-9-]+)/.exec(command)?.[1];
      if (namespace === undefined) continue;
      const objects = rendered.get(namespace);
      if (objects === undefined) {
        problems.push(`${command}: no overlay has namespace ${namespace}`);
        continue;
      }
      for (const match of command.matchAll(
        /(?:^|\s)(?:deploy|deployment)\/([a-z0-9-]+)(?: -c ([a-z0-9-]+))?/g,
      )) {
        const [, name = '', container] = match;
        const found = workloads(objects).find(
          (candidate) => candidate.kind === 'Deployment' && candidate.name === name,
        );
        if (found === undefined) problems.push(`${command}: no Deployment ${name} in ${namespace}`);
        else if (
          container !== undefined &&
          !found.pod.containers.some((candidate) => candidate.name === container)
        )
          problems.push(`${command}: ${name} has no container ${container}`);
      }
    }
    expect(commands.length).toBeGreaterThan(5);
    expect(problems).toEqual([]);
  });
});
