import type { AnyRouter } from '@trpc/server';

const COERCIBLE = new Set(['number', 'boolean', 'bigint', 'date']);
// Where a zod 4 definition keeps the schemas it is made of.
const CHILD_KEYS = ['innerType', 'element', 'in', 'out', 'left', 'right', 'keyType', 'valueType', 'rest'];
const CHILD_LIST_KEYS = ['options', 'items'];

function defOf(schema: unknown): object | undefined {
  if (typeof schema !== 'object' || schema === null) return undefined;
  const zod: unknown = Reflect.get(schema, '_zod');
  if (typeof zod !== 'object' || zod === null) return undefined;
  const def: unknown = Reflect.get(zod, 'def');
  return typeof def === 'object' && def !== null ? def : undefined;
}

function childrenOf(def: object): unknown[] {
  const children: unknown[] = [];
  for (const key of CHILD_KEYS) children.push(Reflect.get(def, key));
  for (const key of CHILD_LIST_KEYS) {
    const list: unknown = Reflect.get(def, key);
    if (Array.isArray(list)) children.push(...list);
  }
  const shape: unknown = Reflect.get(def, 'shape');
  if (typeof shape === 'object' && shape !== null) children.push(...Object.values(shape));
  return children;
}

function pin(schema: unknown, seen: Set<object>): void {
  const def = defOf(schema);
  if (def === undefined || seen.has(def)) return;
  seen.add(def);
  if (COERCIBLE.has(String(Reflect.get(def, 'type')))) {
    const declared = Reflect.get(def, 'coerce') === true;
    const descriptor = Object.getOwnPropertyDescriptor(def, 'coerce');
    if (descriptor?.configurable !== false) {
      Object.defineProperty(def, 'coerce', { get: () => declared, set: () => {}, enumerable: true });
    }
    return;
  }
  for (const child of childrenOf(def)) pin(child, seen);
}

/**
 * trpc-to-openapi 3.3.0 sets `coerce = true`, in place, on every number/boolean/bigint/date schema of a REST
 * procedure's input the first time it serves it. The schemas are shared singletons from @oos/contracts, so from
 * then on `"5"`, `true` and `null` would pass as numbers in every procedure of the process, tRPC included. This
 * pins each such flag to what the schema declared: a JSON body keeps its types, and inputs read from query
 * strings coerce only where the contract says `z.coerce`.
 */
export function pinSchemaCoercion(router: AnyRouter): void {
  const seen = new Set<object>();
  for (const procedure of Object.values(router._def.procedures)) {
    const def: unknown = Reflect.get(Object(procedure), '_def');
    const inputs: unknown = typeof def === 'object' && def !== null ? Reflect.get(def, 'inputs') : undefined;
    if (Array.isArray(inputs)) for (const input of inputs) pin(input, seen);
  }
}
