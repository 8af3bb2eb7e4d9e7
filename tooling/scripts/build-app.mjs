// Builds one app (run from its folder) into dist/ for plain `node`, with no dev dependency and no tsx at run time:
//   dist/main.js     the service (src/main.ts)
//   dist/migrate.js  its database's migration CLI (`node dist/migrate.js deploy`), when the app has a db package
//
// Everything that is plain JavaScript is bundled, workspace packages and third-party ones alike: pnpm's strict
// node_modules would not let dist/ resolve a workspace package's own dependencies (pg, winston, ...) at run time.
// Only RUNTIME_EXTERNALS stay imports; they load files next to their own code, so they must be installed as direct
// dependencies of the app, which this script checks.
//
// Workspace sources that locate files from `import.meta.url` (the migrations folder, the default data dir, the
// schema engine's wasm) keep pointing at their own folder in the repository, not at dist/: the images keep the
// repository layout (apps/<app>/dist beside packages/db-<app>/prisma), so the same lookups work in both.
import { readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** Packages that read files beside their own code (wasm, data, static assets), so bundling would break them. */
const RUNTIME_EXTERNALS = ['@electric-sql/pglite', 'swagger-ui-dist'];
/** Optional packages required lazily by a dependency and never installed here (pg's native bindings). */
const NEVER_INSTALLED = ['pg-native'];

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const appDir = process.cwd();
const outdir = path.join(appDir, 'dist');
const manifest = JSON.parse(readFileSync(path.join(appDir, 'package.json'), 'utf8'));
const dependencies = Object.keys(manifest.dependencies ?? {});

function packageNameOf(specifier) {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

function dbPackageDir() {
  const dbPackages = dependencies.filter((name) => name.startsWith('@oos/db-') && name !== '@oos/db-kit');
  if (dbPackages.length > 1)
    throw new Error(`${manifest.name} depends on several db packages: ${dbPackages}`);
  const [name] = dbPackages;
  return name === undefined ? undefined : realpathSync(path.join(appDir, 'node_modules', name));
}

const entryPoints = [{ in: path.join(appDir, 'src/main.ts'), out: 'main' }];
const dbDir = dbPackageDir();
if (dbDir !== undefined) entryPoints.push({ in: path.join(dbDir, 'src/cli.ts'), out: 'migrate' });

const missingExternals = new Set();

const externalsPlugin = {
  name: 'runtime-externals',
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith('node:') || builtinModules.includes(args.path)) {
        return { path: args.path, external: true };
      }
      const name = packageNameOf(args.path);
      if (NEVER_INSTALLED.includes(name)) return { path: args.path, external: true };
      if (!RUNTIME_EXTERNALS.includes(name)) return undefined;
      if (!dependencies.includes(name)) missingExternals.add(name);
      return { path: args.path, external: true };
    });
  },
};

const LOADERS = { '.ts': 'ts', '.mts': 'ts', '.js': 'js', '.mjs': 'js' };

const sourceUrlPlugin = {
  name: 'workspace-source-urls',
  setup(pluginBuild) {
    pluginBuild.onLoad({ filter: /\.[mc]?[jt]s$/ }, (args) => {
      const loader = LOADERS[path.extname(args.path)];
      if (loader === undefined || args.path.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
      if (path.relative(repoRoot, args.path).startsWith('..')) return undefined;
      const source = readFileSync(args.path, 'utf8');
      if (!source.includes('import.meta.url')) return undefined;
      const relative = path.relative(outdir, args.path).split(path.sep).join('/');
      return {
        contents: source.replaceAll('import.meta.url', `__oosSourceUrl(${JSON.stringify(relative)})`),
        loader,
        resolveDir: path.dirname(args.path),
      };
    });
  },
};

// Taken before esbuild reads anything: a file saved while it builds counts as newer than the build.
const startedAt = Date.now();
rmSync(outdir, { recursive: true, force: true });
const { metafile } = await build({
  entryPoints,
  outdir,
  bundle: true,
  platform: 'node',
  target: 'node20.19',
  format: 'esm',
  // Third-party ESM packages put `module`/`import` first; CommonJS ones still call require() once bundled.
  mainFields: ['module', 'main'],
  keepNames: true,
  sourcemap: true,
  legalComments: 'none',
  logLevel: 'warning',
  banner: {
    js: [
      "import { createRequire as __oosCreateRequire } from 'node:module';",
      'const require = __oosCreateRequire(import.meta.url);',
      'const __oosSourceUrl = (relative) => new URL(relative, import.meta.url).href;',
    ].join('\n'),
  },
  plugins: [externalsPlugin, sourceUrlPlugin],
  metafile: true,
});

if (missingExternals.size > 0) {
  throw new Error(
    `${manifest.name}: ${[...missingExternals].join(', ')} cannot be bundled and must be listed in its "dependencies"`,
  );
}
// V8 keeps each script's source in memory, and Node decodes a file with any non-ASCII byte into two bytes per
// character, even when every character would fit in Latin-1: esbuild escapes non-ASCII characters in code but copies
// comments as they are, and one em dash (then one "±") in a dependency's comment made the whole 9 MB source two bytes
// per character (18 MB of every app's heap). Escaped, the characters mean the same in code and nothing in comments,
// and each line keeps its place for the source map.
for (const file of Object.keys(metafile.outputs).filter((output) => output.endsWith('.js'))) {
  const source = readFileSync(path.join(appDir, file), 'utf8');
  const ascii = source.replace(
    /[\u0080-\uffff]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  if (ascii !== source) writeFileSync(path.join(appDir, file), ascii);
}

// What `tooling/scripts/start-app.mjs` checks to tell whether dist/ still matches the sources: every file esbuild
// read, plus what decides how they are read (this script, the lockfile). Paths are relative to the app's folder.
const inputs = [
  ...Object.keys(metafile.inputs),
  path.relative(appDir, fileURLToPath(import.meta.url)),
  path.relative(appDir, path.join(repoRoot, 'pnpm-lock.yaml')),
];
writeFileSync(path.join(outdir, 'build-inputs.json'), `${JSON.stringify({ startedAt, inputs }, null, 1)}\n`);
console.log(`built ${manifest.name} → ${entryPoints.map((entry) => `dist/${entry.out}.js`).join(', ')}`);
