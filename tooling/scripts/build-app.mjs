// Bundles one app (run from its folder) into dist/main.js for plain `node`: the workspace packages, which export
// TypeScript source, are inlined; third-party packages stay external and are installed as production dependencies.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

const appDir = process.cwd();
const manifest = JSON.parse(readFileSync(path.join(appDir, 'package.json'), 'utf8'));

await build({
  entryPoints: [path.join(appDir, 'src/main.ts')],
  outfile: path.join(appDir, 'dist/main.js'),
  bundle: true,
  platform: 'node',
  target: 'node20.19',
  format: 'esm',
  sourcemap: true,
  logLevel: 'warning',
  banner: {
    // Bundled CommonJS dependencies of workspace packages may still call require().
    js: "import { createRequire as __oosCreateRequire } from 'node:module'; const require = __oosCreateRequire(import.meta.url);",
  },
  plugins: [
    {
      name: 'externalize-third-party',
      setup(pluginBuild) {
        pluginBuild.onResolve({ filter: /^[^./]/ }, (args) =>
          args.path.startsWith('@oos/') || args.path.startsWith('node:')
            ? undefined
            : { path: args.path, external: true },
        );
      },
    },
  ],
});
console.log(`built ${manifest.name} → dist/main.js`);
