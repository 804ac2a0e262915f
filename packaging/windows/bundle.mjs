// The capture agent as one CommonJS file (what a Node single-executable application runs):
// `node packaging/windows/bundle.mjs OUT.cjs`. Every dependency is inside; ffmpeg-static, whose
// binary is a download, is replaced by ffmpeg.beside.ts (ffmpeg.exe beside the program, or PATH).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const agent = join(root, 'services', 'capture-agent');
const out = process.argv[2];
if (!out) {
  process.stderr.write('usage: node packaging/windows/bundle.mjs OUT.cjs\n');
  process.exit(2);
}
const { version } = JSON.parse(readFileSync(join(agent, 'package.json'), 'utf8'));
await build({
  entryPoints: [join(agent, 'dist', 'main.js')],
  outfile: out,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  minify: false,
  legalComments: 'none',
  alias: { 'ffmpeg-static': join(agent, 'dist', 'ffmpeg.beside.js') },
  define: { DESK_ONVIF_AGENT_VERSION: JSON.stringify(version) },
  // main.ts reads import.meta.url only where the define above is absent.
  logOverride: { 'empty-import-meta': 'silent' },
  logLevel: 'warning',
});
