/** `KEY=value` lines of a dotenv file as docker compose reads them (comments and blank lines skipped). */
export function parseEnvFile(text: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(trimmed);
    if (match === null) throw new Error(`not a KEY=value line: ${line}`);
    const [, key = '', raw = ''] = match;
    values.set(key, raw.replace(/^(['"])(.*)\1$/, '$2'));
  }
  return values;
}
