import { Deployment, StatefulSet } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { Ingress, NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Namespace, Secret, Service } from 'kubernetes-models/v1';
import type { K8sObject } from './render.ts';

interface KindModel {
  apiVersion: string;
  kind: string;
  /** Throws the schema's errors (kubernetes-models compiles the Kubernetes OpenAPI schema per kind). */
  validate(object: unknown): void;
}

/** A kubernetes-models class: its type guard (apiVersion and kind) and the constructor whose `validate` checks. */
interface ModelClass<T> {
  apiVersion: string;
  kind: string;
  is(value: unknown): value is T;
  new (data: T): { validate(): void };
}

function model<T>(Model: ModelClass<T>): KindModel {
  return {
    apiVersion: Model.apiVersion,
    kind: Model.kind,
    validate: (object) => {
      if (!Model.is(object)) throw new Error(`not a ${Model.apiVersion} ${Model.kind}`);
      new Model(object).validate();
    },
  };
}

/** Every kind the overlays may render; anything else is an error, not a silent pass. */
const MODELS: KindModel[] = [
  model(Namespace),
  model(ConfigMap),
  model(Secret),
  model(Service),
  model(Deployment),
  model(StatefulSet),
  model(PodDisruptionBudget),
  model(HorizontalPodAutoscaler),
  model(NetworkPolicy),
  model(Ingress),
];

/**
 * A Secret's data as the API server reads it: kustomize wraps long base64 values every 70 characters, and the
 * server's base64 decoder skips line breaks, which the schema's strict "byte" format does not.
 */
function asDecodedByServer(object: K8sObject): K8sObject {
  if (object.kind !== 'Secret' || typeof object.data !== 'object' || object.data === null) return object;
  const data = Object.fromEntries(
    Object.entries(object.data).map(([key, value]) => [
      key,
      typeof value === 'string' ? value.replace(/\n/g, '') : value,
    ]),
  );
  return { ...object, data };
}

/** What is wrong with the object against the Kubernetes API schema of its apiVersion and kind (empty: valid). */
export function schemaErrors(rendered: K8sObject): string[] {
  const object = asDecodedByServer(rendered);
  const found = MODELS.find((entry) => entry.apiVersion === object.apiVersion && entry.kind === object.kind);
  if (found === undefined) return [`no schema registered for ${object.apiVersion} ${object.kind}`];
  try {
    found.validate(object);
    return [];
  } catch (error) {
    return [error instanceof Error ? error.message : String(error)];
  }
}
