import { z } from 'zod';
import { type LabelSelector, labelSelectorSchema, selects } from './objects.ts';
import type { K8sObject } from './render.ts';

// Ingress NetworkPolicy semantics (https://kubernetes.io/docs/concepts/services-networking/network-policies/):
// a pod selected by no Ingress policy accepts everything; a selected pod accepts a connection only when some
// policy selecting it has a rule whose `from` matches the source (absent or empty: any source) and whose `ports`
// match the port (absent or empty: any port). Rules are additive.

const peerSchema = z.object({
  podSelector: labelSelectorSchema.optional(),
  namespaceSelector: labelSelectorSchema.optional(),
  ipBlock: z.unknown().optional(),
});

const policySchema = z.object({
  metadata: z.object({ name: z.string(), namespace: z.string() }).loose(),
  spec: z.object({
    podSelector: labelSelectorSchema,
    policyTypes: z.array(z.enum(['Ingress', 'Egress'])).default(['Ingress']),
    ingress: z
      .array(
        z.object({
          from: z.array(peerSchema).optional(),
          ports: z.array(z.object({ port: z.union([z.string(), z.number()]).optional() })).optional(),
        }),
      )
      .default([]),
  }),
});
type Policy = z.output<typeof policySchema>;

/** A pod somewhere in the cluster: its namespace (and that namespace's labels) and its own labels. */
export interface Peer {
  name: string;
  namespace: string;
  labels: Record<string, string>;
}

/** A port a pod listens on, by number and (when it has one) by name. */
interface Port {
  containerPort: number;
  name?: string;
}

/** A pod that connections are opened to, with the ports it listens on. */
export interface Destination extends Peer {
  ports: Port[];
}

const namespaceLabels = (namespace: string) => ({ 'kubernetes.io/metadata.name': namespace });

function peerMatches(peer: z.output<typeof peerSchema>, policyNamespace: string, source: Peer): boolean {
  if (peer.ipBlock !== undefined) throw new Error('ipBlock peers are not evaluated by this check');
  const inNamespace = (selector: LabelSelector | undefined) =>
    selector === undefined
      ? source.namespace === policyNamespace
      : selects(selector, namespaceLabels(source.namespace));
  const podMatches = peer.podSelector === undefined || selects(peer.podSelector, source.labels);
  return inNamespace(peer.namespaceSelector) && podMatches;
}

function allows(policy: Policy, source: Peer, port: Port): boolean {
  return policy.spec.ingress.some((rule) => {
    const fromOk =
      rule.from === undefined ||
      rule.from.length === 0 ||
      rule.from.some((peer) => peerMatches(peer, policy.metadata.namespace, source));
    const portOk =
      rule.ports === undefined ||
      rule.ports.length === 0 ||
      rule.ports.some(({ port: allowed }) =>
        allowed === undefined ? true : allowed === port.containerPort || allowed === port.name,
      );
    return fromOk && portOk;
  });
}

/** Every `source → destination:port` connection the overlay's NetworkPolicies admit, over every port given. */
export function admittedConnections(
  objects: K8sObject[],
  destinations: Destination[],
  sources: Peer[],
): Set<string> {
  const policies = objects
    .filter((object) => object.kind === 'NetworkPolicy')
    .map((object) => policySchema.parse(object));
  const admitted = new Set<string>();
  for (const destination of destinations) {
    const selecting = policies.filter(
      (policy) =>
        policy.metadata.namespace === destination.namespace &&
        policy.spec.policyTypes.includes('Ingress') &&
        selects(policy.spec.podSelector, destination.labels),
    );
    for (const port of destination.ports) {
      for (const source of sources) {
        if (source.name === destination.name) continue;
        const open = selecting.length === 0 || selecting.some((policy) => allows(policy, source, port));
        if (open) admitted.add(`${source.name} → ${destination.name}:${port.name ?? port.containerPort}`);
      }
    }
  }
  return admitted;
}
