/** The text under a `#`-heading of a markdown document, up to the next heading of the same or a higher level. */
export function readmeSection(markdown: string, heading: string): string {
  const lines = markdown.split('\n');
  const start = lines.findIndex(
    (line) => /^#{1,6} /.test(line) && line.replace(/^#+ /, '').trim() === heading,
  );
  if (start === -1) throw new Error(`README has no "${heading}" section`);
  const level = (lines[start] ?? '').indexOf(' ');
  const rest = lines.slice(start + 1);
  const end = rest.findIndex((line) => {
    const match = /^(#{1,6}) /.exec(line);
    return match !== null && (match[1] ?? '').length <= level;
  });
  return (end === -1 ? rest : rest.slice(0, end)).join('\n');
}

export interface SecretCommands {
  /** `kubectl create secret generic NAME --from-literal=KEY=…`: NAME → its keys. */
  generic: Map<string, Set<string>>;
  /** `kubectl create secret tls NAME …`. */
  tls: Set<string>;
}

/**
 * The `kubectl create secret` commands of a text (backslash-continued lines joined), by the namespace each names
 * with `-n`/`--namespace` (`(none)` when it names none).
 */
export function readmeSecretCommands(text: string): Map<string, SecretCommands> {
  const byNamespace = new Map<string, SecretCommands>();
  for (const command of text.replace(/\\\n\s*/g, ' ').split('\n')) {
    const match = /kubectl\b.*\bcreate secret (generic|tls) ([a-z0-9-]+)/.exec(command);
    if (match === null) continue;
    const [, type, name = ''] = match;
    const namespace = /(?:-n|--namespace)[ =]([a-z0-9-]+)/.exec(command)?.[1] ?? '(none)';
    const found = byNamespace.get(namespace) ?? { generic: new Map(), tls: new Set() };
    byNamespace.set(namespace, found);
    if (type === 'tls') {
      found.tls.add(name);
      continue;
    }
    const keys = [...command.matchAll(/--from-literal=([A-Za-z0-9_]+)=/g)].map((key) => key[1] ?? '');
    found.generic.set(name, new Set([...(found.generic.get(name) ?? []), ...keys]));
  }
  return byNamespace;
}
