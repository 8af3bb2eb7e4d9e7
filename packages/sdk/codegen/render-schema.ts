import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import openapiTS, { astToString, COMMENT_HEADER } from 'openapi-typescript';

/** The checked-in copy of the gateway's /openapi.json, for consumers in other languages. */
export const DOCUMENT_FILE = fileURLToPath(new URL('../openapi.gen.json', import.meta.url));
/** The types the client is checked against. */
export const SCHEMA_FILE = fileURLToPath(new URL('../src/schema.gen.ts', import.meta.url));

const HEADER = `${COMMENT_HEADER.trimEnd()}\n// Regenerate with \`pnpm sdk:generate\`; the gateway's tests fail when this file and its /openapi.json disagree.\n\n`;

/** The gateway's OpenAPI document (its JSON text) as the TypeScript types openapi-fetch is typed with. */
export async function renderSchema(documentJson: string): Promise<string> {
  const nodes = await openapiTS(documentJson, { silent: true });
  return HEADER + astToString(nodes);
}

export function renderDocument(documentJson: string): string {
  return `${JSON.stringify(JSON.parse(documentJson), null, 2)}\n`;
}

/** Writes both generated files from the document. */
export async function writeGenerated(documentJson: string): Promise<void> {
  await writeFile(DOCUMENT_FILE, renderDocument(documentJson));
  await writeFile(SCHEMA_FILE, await renderSchema(documentJson));
}
