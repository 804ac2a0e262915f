import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type MediamtxPin, readPin } from './mediamtx.fetch.js';

/**
 * `make pin-mediamtx`: the SHA-256 that `make dev` checks a downloaded MediaMTX against, taken from
 * the release's own `checksums.sha256` (MediaMTX's release workflow writes it with `sha256sum -b`)
 * and cross-checked by downloading the archive and hashing it: both must agree, or nothing is pinned.
 */

/** `<hex> *<name>` or `<hex>  <name>` lines (sha256sum's binary and text forms) → hex by file name. */
export function parseChecksums(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^([0-9a-fA-F]{64}) [ *](.+?)\s*$/.exec(line);
    if (m?.[1] && m[2]) out.set(m[2], m[1].toLowerCase());
  }
  return out;
}

async function download(url: string, timeoutMs: number): Promise<Buffer> {
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    const cause = (err as { cause?: Error }).cause?.message ?? (err as Error).message;
    throw new Error(`cannot download ${url} (offline?): ${cause}`, { cause: err });
  }
  if (!res.ok) throw new Error(`cannot download ${url}: HTTP ${res.status}`);
  return Buffer.from(await res.arrayBuffer());
}

/**
 * The pin with every archive's sha256 filled in from `<release>/checksums.sha256`, each one
 * confirmed by hashing the archive itself. Throws, naming the archive, when the checksums file
 * lacks it, disagrees with the archive, or either cannot be downloaded.
 */
export async function pinFromRelease(pin: MediamtxPin, timeoutMs = 300_000): Promise<MediamtxPin> {
  const archives: MediamtxPin['archives'] = {};
  const lists = new Map<string, Map<string, string>>();
  for (const [platform, archive] of Object.entries(pin.archives)) {
    const listUrl = `${dirname(archive.url)}/checksums.sha256`;
    let list = lists.get(listUrl);
    if (!list) {
      list = parseChecksums((await download(listUrl, timeoutMs)).toString('utf8'));
      lists.set(listUrl, list);
    }
    const name = basename(new URL(archive.url).pathname);
    const published = list.get(name);
    if (!published) throw new Error(`${listUrl} lists no ${name}: nothing pinned`);
    const actual = createHash('sha256')
      .update(await download(archive.url, timeoutMs))
      .digest('hex');
    if (actual !== published)
      throw new Error(
        `${name}: the archive's SHA-256 ${actual} is not the ${published} that ${listUrl} publishes: nothing pinned`,
      );
    archives[platform] = { ...archive, sha256: published };
  }
  return { ...pin, archives };
}

async function main(): Promise<number> {
  const file = join(dirname(fileURLToPath(import.meta.url)), '..', 'mediamtx.pin.json');
  try {
    const pinned = await pinFromRelease(readPin(file));
    writeFileSync(file, `${JSON.stringify(pinned, null, 2)}\n`);
    for (const [platform, a] of Object.entries(pinned.archives))
      process.stdout.write(`pinned MediaMTX ${pinned.version} ${platform}: ${a.sha256} (${a.url})\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`make pin-mediamtx: ${(err as Error).message}\n`);
    return 1;
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) process.exitCode = await main();
