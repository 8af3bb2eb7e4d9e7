import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import {
  bindMigrationAwareSqlAdapterFactory,
  type SqlMigrationAwareDriverAdapterFactory,
} from '@prisma/driver-adapter-utils';
import * as glue from '@prisma/schema-engine-wasm/schema_engine_bg';

export type {
  ApplyMigrationsOutput,
  MigrationList,
  SchemaEngine,
  SchemaFilter,
} from '@prisma/schema-engine-wasm/schema_engine_bg';

interface PanicRegistry {
  set_message(message: string): void;
}

declare global {
  // The wasm glue writes a Rust panic's message here before it throws, so the message can be reported.
  var PRISMA_WASM_PANIC_REGISTRY: PanicRegistry | undefined;
}

interface WasmApi {
  instantiate(
    bytes: Uint8Array,
    imports: Record<string, object>,
  ): Promise<{ instance: { exports: Record<string, unknown> } }>;
}

function isWasmApi(value: unknown): value is WasmApi {
  return (
    typeof value === 'object' && value !== null && typeof Reflect.get(value, 'instantiate') === 'function'
  );
}

// @types/node 20 does not declare the WebAssembly global (lib is ES2023 without DOM), so it is looked up.
function wasmApi(): WasmApi {
  const api: unknown = Reflect.get(globalThis, 'WebAssembly');
  if (!isWasmApi(api)) throw new Error('This JavaScript runtime has no WebAssembly support');
  return api;
}

let lastPanic: string | undefined;
let loading: Promise<void> | undefined;

/**
 * The engine arms 10-second timers that it never clears (there is no clearTimeout import), which kept a
 * finished `db:migrate` alive for 10 s. Its timers only ever run beside open database connections, which keep
 * the process alive on their own, so they are unref'd.
 */
function importsWithUnrefTimers(): Record<string, unknown> {
  const imports: Record<string, unknown> = { ...glue };
  for (const name of Object.keys(imports)) {
    if (!name.startsWith('__wbg_setTimeout_')) continue;
    imports[name] = (callback: () => void, ms: number) => setTimeout(callback, ms >>> 0).unref();
  }
  return imports;
}

/**
 * The package's main entry imports the .wasm as an ES module, which Node 20 cannot do; so the module is
 * instantiated here against the JS glue, once per process.
 */
function loadEngineWasm(): Promise<void> {
  loading ??= (async () => {
    globalThis.PRISMA_WASM_PANIC_REGISTRY ??= {
      set_message(message: string) {
        lastPanic = message;
      },
    };
    const require = createRequire(import.meta.url);
    const glueFile = require.resolve('@prisma/schema-engine-wasm/schema_engine_bg');
    const bytes = await readFile(join(dirname(glueFile), 'schema_engine_bg.wasm'));
    const { instance } = await wasmApi().instantiate(bytes, {
      './schema_engine_bg.js': importsWithUnrefTimers(),
    });
    glue.__wbg_set_wasm(instance.exports);
    const start = instance.exports.__wbindgen_start;
    if (typeof start !== 'function') {
      throw new Error('@prisma/schema-engine-wasm: __wbindgen_start is missing from the wasm exports');
    }
    start();
  })();
  return loading;
}

/** Wraps an engine failure so a Rust panic's message, which the thrown value lacks, is not lost. */
export function describeEngineError(error: unknown): Error {
  const base = error instanceof Error ? error : new Error(String(error));
  if (lastPanic !== undefined) {
    const panic = lastPanic;
    lastPanic = undefined;
    return new Error(`${base.message} (schema engine panic: ${panic})`, { cause: error });
  }
  return base;
}

/**
 * Starts Prisma's schema engine (the one behind `prisma migrate`) over a driver adapter instead of a URL.
 * The caller must `free()` the engine when done.
 */
export async function startSchemaEngine(
  adapterFactory: SqlMigrationAwareDriverAdapterFactory,
  datamodel?: { path: string; content: string },
): Promise<glue.SchemaEngine> {
  await loadEngineWasm();
  const adapter = bindMigrationAwareSqlAdapterFactory(adapterFactory);
  const datamodels: [string, string][] | undefined =
    datamodel === undefined ? undefined : [[datamodel.path, datamodel.content]];
  try {
    return await glue.SchemaEngine.new({ datamodels }, () => {}, adapter);
  } catch (error) {
    throw describeEngineError(error);
  }
}
