import { z } from 'zod';
import type { K8sObject } from './render.ts';

// The parts of the rendered objects the review reads, parsed with zod (the schema check itself is schemas.ts).

const labels = z.record(z.string(), z.string());

export const labelSelectorSchema = z.object({
  matchLabels: labels.optional(),
  matchExpressions: z
    .array(z.object({ key: z.string(), operator: z.string(), values: z.array(z.string()).optional() }))
    .optional(),
});
export type LabelSelector = z.output<typeof labelSelectorSchema>;

const envVarSchema = z.object({
  name: z.string(),
  value: z.string().optional(),
  valueFrom: z
    .object({ secretKeyRef: z.object({ name: z.string(), key: z.string() }).optional() })
    .loose()
    .optional(),
});

const probeSchema = z
  .object({
    httpGet: z.object({ path: z.string(), port: z.union([z.string(), z.number()]) }).optional(),
    exec: z.object({ command: z.array(z.string()) }).optional(),
  })
  .loose();

const quantities = z.record(z.string(), z.union([z.string(), z.number()]));

const containerSchema = z.object({
  name: z.string(),
  image: z.string(),
  command: z.array(z.string()).optional(),
  ports: z.array(z.object({ name: z.string().optional(), containerPort: z.number() })).default([]),
  env: z.array(envVarSchema).default([]),
  envFrom: z
    .array(
      z.object({
        configMapRef: z.object({ name: z.string() }).optional(),
        secretRef: z.object({ name: z.string() }).optional(),
      }),
    )
    .default([]),
  startupProbe: probeSchema.optional(),
  livenessProbe: probeSchema.optional(),
  readinessProbe: probeSchema.optional(),
  lifecycle: z
    .object({
      preStop: z
        .object({ sleep: z.object({ seconds: z.number() }).optional() })
        .loose()
        .optional(),
    })
    .optional(),
  resources: z.object({ requests: quantities.optional(), limits: quantities.optional() }).optional(),
  securityContext: z
    .object({
      allowPrivilegeEscalation: z.boolean().optional(),
      readOnlyRootFilesystem: z.boolean().optional(),
      capabilities: z.object({ drop: z.array(z.string()).optional() }).optional(),
    })
    .optional(),
});
export type Container = z.output<typeof containerSchema>;

const podSpecSchema = z
  .object({
    containers: z.array(containerSchema),
    initContainers: z.array(containerSchema).default([]),
    enableServiceLinks: z.boolean().optional(),
    automountServiceAccountToken: z.boolean().optional(),
    terminationGracePeriodSeconds: z.number().optional(),
    securityContext: z
      .object({ runAsNonRoot: z.boolean().optional(), runAsUser: z.number().optional() })
      .loose()
      .optional(),
    topologySpreadConstraints: z
      .array(z.object({ topologyKey: z.string(), labelSelector: labelSelectorSchema }).loose())
      .default([]),
  })
  .loose();

const workloadSchema = z.object({
  kind: z.enum(['Deployment', 'StatefulSet']),
  metadata: z.object({ name: z.string(), namespace: z.string() }).loose(),
  spec: z
    .object({
      replicas: z.number().optional(),
      selector: labelSelectorSchema,
      template: z.object({ metadata: z.object({ labels }).loose(), spec: podSpecSchema }),
    })
    .loose(),
});

/** A Deployment's or StatefulSet's pods, as their template describes them. */
export interface Workload {
  kind: 'Deployment' | 'StatefulSet';
  name: string;
  namespace: string;
  replicas: number | undefined;
  selector: LabelSelector;
  labels: Record<string, string>;
  pod: z.output<typeof podSpecSchema>;
}

export function workloads(objects: K8sObject[]): Workload[] {
  return objects
    .filter((object) => object.kind === 'Deployment' || object.kind === 'StatefulSet')
    .map((object) => {
      const parsed = workloadSchema.parse(object);
      return {
        kind: parsed.kind,
        name: parsed.metadata.name,
        namespace: parsed.metadata.namespace,
        replicas: parsed.spec.replicas,
        selector: parsed.spec.selector,
        labels: parsed.spec.template.metadata.labels,
        pod: parsed.spec.template.spec,
      };
    });
}

export function workload(objects: K8sObject[], name: string): Workload {
  const found = workloads(objects).find((candidate) => candidate.name === name);
  if (found === undefined) throw new Error(`no Deployment or StatefulSet named ${name}`);
  return found;
}

const dataSchema = z.object({
  metadata: z.object({ name: z.string() }).loose(),
  data: z.record(z.string(), z.string()).default({}),
});

/** ConfigMaps by name, with their data as the pods see it. */
export function configMaps(objects: K8sObject[]): Map<string, Record<string, string>> {
  return new Map(
    objects
      .filter((object) => object.kind === 'ConfigMap')
      .map((object) => {
        const parsed = dataSchema.parse(object);
        return [parsed.metadata.name, parsed.data];
      }),
  );
}

/** Secrets by name, decoded (the rendered data is base64). */
export function secrets(objects: K8sObject[]): Map<string, Record<string, string>> {
  return new Map(
    objects
      .filter((object) => object.kind === 'Secret')
      .map((object) => {
        const parsed = dataSchema.parse(object);
        const decoded = Object.fromEntries(
          Object.entries(parsed.data).map(([key, value]) => [
            key,
            Buffer.from(value, 'base64').toString('utf8'),
          ]),
        );
        return [parsed.metadata.name, decoded];
      }),
  );
}

const serviceSchema = z.object({
  metadata: z.object({ name: z.string() }).loose(),
  spec: z.object({
    selector: labels,
    ports: z.array(
      z.object({
        name: z.string().optional(),
        port: z.number(),
        targetPort: z.union([z.string(), z.number()]),
      }),
    ),
  }),
});
export type ServiceObject = z.output<typeof serviceSchema>;

export function services(objects: K8sObject[]): ServiceObject[] {
  return objects.filter((object) => object.kind === 'Service').map((object) => serviceSchema.parse(object));
}

const ingressSchema = z.object({
  metadata: z.object({ name: z.string(), annotations: labels.default({}) }).loose(),
  spec: z.object({
    ingressClassName: z.string().optional(),
    tls: z.array(z.object({ hosts: z.array(z.string()), secretName: z.string() })).default([]),
    rules: z.array(
      z.object({
        host: z.string(),
        http: z.object({
          paths: z.array(
            z.object({
              path: z.string(),
              backend: z.object({
                service: z.object({
                  name: z.string(),
                  port: z.object({ name: z.string().optional(), number: z.number().optional() }),
                }),
              }),
            }),
          ),
        }),
      }),
    ),
  }),
});

export function ingresses(objects: K8sObject[]): Array<z.output<typeof ingressSchema>> {
  return objects.filter((object) => object.kind === 'Ingress').map((object) => ingressSchema.parse(object));
}

const hpaSchema = z.object({
  spec: z.object({
    scaleTargetRef: z.object({ apiVersion: z.string(), kind: z.string(), name: z.string() }),
    minReplicas: z.number(),
    maxReplicas: z.number(),
  }),
});

export function autoscalers(objects: K8sObject[]): Array<z.output<typeof hpaSchema>> {
  return objects
    .filter((object) => object.kind === 'HorizontalPodAutoscaler')
    .map((object) => hpaSchema.parse(object));
}

const pdbSchema = z.object({
  spec: z.object({
    selector: labelSelectorSchema,
    maxUnavailable: z.union([z.number(), z.string()]).optional(),
    minAvailable: z.union([z.number(), z.string()]).optional(),
  }),
});

export function disruptionBudgets(objects: K8sObject[]): Array<z.output<typeof pdbSchema>> {
  return objects
    .filter((object) => object.kind === 'PodDisruptionBudget')
    .map((object) => pdbSchema.parse(object));
}

/** Whether labels satisfy a Kubernetes label selector (matchLabels and matchExpressions). */
export function selects(selector: LabelSelector, target: Record<string, string>): boolean {
  const byLabels = Object.entries(selector.matchLabels ?? {}).every(([key, value]) => target[key] === value);
  const byExpressions = (selector.matchExpressions ?? []).every(({ key, operator, values = [] }) => {
    if (operator === 'In') return key in target && values.includes(target[key] ?? '');
    if (operator === 'NotIn') return !(key in target) || !values.includes(target[key] ?? '');
    if (operator === 'Exists') return key in target;
    if (operator === 'DoesNotExist') return !(key in target);
    throw new Error(`unknown label selector operator ${operator}`);
  });
  return byLabels && byExpressions;
}
