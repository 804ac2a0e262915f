import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** One platform's archive of the pinned release: where it is, and the SHA-256 it must have. */
export interface PinnedArchive {
  url: string;
  /** Hex; null: none pinned yet, so nothing is downloaded. */
  sha256: string | null;
}

export interface MediamtxPin {
  version: string;
  /** By `<process.platform>-<process.arch>`, e.g. `linux-x64`. */
  archives: Record<string, PinnedArchive>;
}

export function readPin(file: string): MediamtxPin {
  return JSON.parse(readFileSync(file, 'utf8')) as MediamtxPin;
}

export type FetchResult = { bin: string; downloaded: boolean } | { problem: string };

/**
 * The pinned MediaMTX release for this platform, in `<stateDir>/mediamtx/<version>/mediamtx`:
 * downloaded once, its SHA-256 checked against the pin before anything is written or run, then
 * unpacked. Every way it can fail (no pin for the platform, no checksum pinned, offline, a
 * mismatch, a damaged archive) is a `problem` to say, never an exception: `make dev` then runs
 * the relay double.
 */
export async function fetchMediamtx(opts: {
  pin: MediamtxPin;
  stateDir: string;
  platform?: string;
  timeoutMs?: number;
}): Promise<FetchResult> {
  const { pin } = opts;
  const platform = opts.platform ?? `${process.platform}-${process.arch}`;
  const dir = join(opts.stateDir, 'mediamtx', pin.version);
  const bin = join(dir, 'mediamtx');
  if (existsSync(bin)) return { bin, downloaded: false };
  const archive = pin.archives[platform];
  if (!archive) return { problem: `no MediaMTX ${pin.version} archive is pinned for ${platform}` };
  if (!archive.sha256)
    return {
      problem: `no SHA-256 is pinned for ${archive.url} (scripts/dev/mediamtx.pin.json): not downloading it`,
    };
  let bytes: Buffer;
  try {
    const res = await fetch(archive.url, { signal: AbortSignal.timeout(opts.timeoutMs ?? 120_000) });
    if (!res.ok) return { problem: `cannot download ${archive.url}: HTTP ${res.status}` };
    bytes = Buffer.from(await res.arrayBuffer());
  } catch (err) {
    const cause = (err as { cause?: Error }).cause?.message ?? (err as Error).message;
    return { problem: `cannot download ${archive.url} (offline?): ${cause}` };
  }
  const actual = createHash('sha256').update(bytes).digest('hex');
  if (actual !== archive.sha256.toLowerCase())
    return {
      problem: `${archive.url}: SHA-256 ${actual} is not the pinned ${archive.sha256}: refused, nothing was unpacked or run`,
    };
  mkdirSync(join(opts.stateDir, 'mediamtx'), { recursive: true });
  const tmp = mkdtempSync(join(opts.stateDir, 'mediamtx', '.unpack-'));
  try {
    const tarball = join(tmp, 'archive.tar.gz');
    writeFileSync(tarball, bytes);
    await run('tar', ['-xzf', tarball, '-C', tmp, 'mediamtx'], { timeout: 60_000 });
    chmodSync(join(tmp, 'mediamtx'), 0o755);
    rmSync(tarball);
    renameSync(tmp, dir); // whole or not at all: a half-unpacked release is never found
    return { bin, downloaded: true };
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    return { problem: `${archive.url}: cannot unpack mediamtx from it: ${(err as Error).message}` };
  }
}
