const REFERENCE = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;

/** The variable names a compose string refers to (`${A}`, `${A:-x}`, `${A:?msg}`, `$A`; not `$$`). */
export function referencedVariables(text: string): string[] {
  const names: string[] = [];
  for (const match of text.matchAll(REFERENCE)) {
    const name = match[1] ?? match[4];
    if (name !== undefined) names.push(name);
  }
  return names;
}

/** Compose's variable substitution: `${A:-default}` when unset or empty, `${A-default}` when unset, `${A:?error}`. */
export function interpolate(text: string, variables: ReadonlyMap<string, string>): string {
  return text.replace(
    REFERENCE,
    (whole, braced: string | undefined, operator: string | undefined, arg = '', bare?: string) => {
      if (whole === '$$') return '$';
      const name = braced ?? bare ?? '';
      const value = variables.get(name);
      const unset = value === undefined || (operator?.startsWith(':') === true && value === '');
      if (operator === ':-' || operator === '-') return unset ? arg : (value ?? '');
      if (operator === ':?' || operator === '?') {
        if (unset) throw new Error(`required variable ${name} is missing: ${arg}`);
        return value ?? '';
      }
      return value ?? '';
    },
  );
}

/** Applies {@link interpolate} to every string of a parsed YAML document. */
export function interpolateDeep(value: unknown, variables: ReadonlyMap<string, string>): unknown {
  if (typeof value === 'string') return interpolate(value, variables);
  if (Array.isArray(value)) return value.map((item) => interpolateDeep(item, variables));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, interpolateDeep(item, variables)]),
    );
  }
  return value;
}

export function stringsIn(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringsIn);
  if (typeof value === 'object' && value !== null) return Object.values(value).flatMap(stringsIn);
  return [];
}
