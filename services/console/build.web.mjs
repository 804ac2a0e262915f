// Builds the browser app (web/ → dist/web): one ES module bundle by esbuild, the HTML and CSS
// copied beside it. Part of `make build`; the console serves dist/web itself.
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, 'dist', 'web');
mkdirSync(out, { recursive: true });
await build({
  entryPoints: [join(here, 'web', 'main.tsx')],
  outfile: join(out, 'app.js'),
  bundle: true,
  format: 'esm',
  target: 'es2022',
  jsx: 'automatic',
  jsxImportSource: 'preact',
  minify: true,
  sourcemap: true,
  legalComments: 'none',
  logLevel: 'warning',
});
for (const f of ['index.html', 'app.css']) copyFileSync(join(here, 'web', f), join(out, f));
