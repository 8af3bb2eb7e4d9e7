import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { z } from 'zod';
import { REPO_ROOT } from '../repo.ts';

export const K8S_DIR = path.join(REPO_ROOT, 'deploy/k8s');
export const OVERLAYS = ['dev', 'production'] as const;
export type Overlay = (typeof OVERLAYS)[number];

const objectSchema = z
  .object({
    apiVersion: z.string(),
    kind: z.string(),
    metadata: z.object({ name: z.string(), namespace: z.string().optional() }).loose(),
  })
  .loose();
export type K8sObject = z.output<typeof objectSchema>;

/** Whether `kubectl` runs here, and its Kustomize version (what `kubectl kustomize` renders with). */
export function kubectlVersion(): string | undefined {
  try {
    const output = execFileSync('kubectl', ['version', '--client'], { encoding: 'utf8', stdio: 'pipe' });
    return /Kustomize Version: (\S+)/.exec(output)?.[1] ?? output.trim();
  } catch {
    return undefined;
  }
}

/** `kubectl kustomize deploy/k8s/<overlay>`: exactly what `kubectl apply -k` would send, as objects. */
export function renderOverlay(overlay: Overlay): K8sObject[] {
  const output = execFileSync('kubectl', ['kustomize', path.join(K8S_DIR, overlay)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return parseAllDocuments(output)
    .map((document) => document.toJS())
    .filter((value) => value !== null)
    .map((value) => objectSchema.parse(value));
}

export function describeObject(object: K8sObject): string {
  return `${object.kind}/${object.metadata.name}`;
}
