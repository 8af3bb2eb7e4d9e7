// `pnpm sdk:generate`: rewrites @oos/sdk's openapi.gen.json and schema.gen.ts from the router's OpenAPI document,
// the same document the running gateway serves at /openapi.json.
import { DOCUMENT_FILE, SCHEMA_FILE, writeGenerated } from '@oos/sdk/codegen';
import { buildOpenApiDocument } from '../src/openapi.ts';

await writeGenerated(JSON.stringify(buildOpenApiDocument()));
console.log(`wrote ${DOCUMENT_FILE}\nwrote ${SCHEMA_FILE}`);
