import { readFile } from 'node:fs/promises';
import { DOCUMENT_FILE, renderDocument, renderSchema, SCHEMA_FILE } from '@oos/sdk/codegen';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type System, startSystem } from './system.ts';

const STALE = 'is stale: run `pnpm sdk:generate` and commit the result';

describe('@oos/sdk is generated from the document the gateway serves', () => {
  let system: System;
  let live: string;
  beforeAll(async () => {
    system = await startSystem('embedded');
    const answer = await system.request('GET', '/openapi.json');
    expect(answer.status).toBe(200);
    live = answer.text;
  });
  afterAll(async () => {
    await system?.close();
  });

  it('openapi.gen.json is the live /openapi.json', async () => {
    expect(await readFile(DOCUMENT_FILE, 'utf8'), `${DOCUMENT_FILE} ${STALE}`).toBe(renderDocument(live));
  });

  it('schema.gen.ts is what openapi-typescript makes of the live /openapi.json', async () => {
    expect(await readFile(SCHEMA_FILE, 'utf8'), `${SCHEMA_FILE} ${STALE}`).toBe(await renderSchema(live));
  });
});
