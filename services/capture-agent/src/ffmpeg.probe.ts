import { execFile } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { z } from 'zod';
import {
  type FfmpegFeatures,
  listsOption,
  parseDeviceList,
  parseEncoderList,
  parseFfmpegVersion,
  parseFilterList,
} from '@desk-onvif/ffmpeg-args';
import { writeFileAtomic } from './secret.file.js';

const run = promisify(execFile);

const FeaturesSchema = z.object({
  version: z.string(),
  statsPeriod: z.boolean(),
  /** A cache written before this field existed fails the schema: the binary is asked again. */
  fpsMode: z.boolean(),
  inputDevices: z.array(z.string()),
  filters: z.array(z.string()),
  encoders: z.array(z.string()),
});

/** The cache entry: valid while the binary at `path` keeps its size and modification time. */
const CacheSchema = z.object({
  path: z.string(),
  size: z.number(),
  mtimeMs: z.number(),
  features: FeaturesSchema,
});

export const FFMPEG_CACHE_FILE = 'ffmpeg-features.json';

/**
 * What the ffmpeg at `path` can do: asked once (four quick runs of the binary, in parallel) and
 * cached in the state directory per binary, so a restart — or a slow start under Wine — does not
 * ask again until the binary changes.
 */
export async function ffmpegFeatures(
  path: string,
  cacheDir: string,
): Promise<{ features: FfmpegFeatures; cached: boolean }> {
  const stat = statSync(path);
  const cacheFile = join(cacheDir, FFMPEG_CACHE_FILE);
  const cached = readCache(cacheFile);
  if (cached && cached.path === path && cached.size === stat.size && cached.mtimeMs === stat.mtimeMs)
    return { features: cached.features, cached: true };
  const features = await askFfmpeg(path);
  const entry = { path, size: stat.size, mtimeMs: stat.mtimeMs, features };
  try {
    writeFileAtomic(cacheFile, `${JSON.stringify(entry, null, 2)}\n`);
  } catch {
    // A cache that cannot be written costs the next start a few runs of ffmpeg, nothing more.
  }
  return { features, cached: false };
}

async function askFfmpeg(path: string): Promise<FfmpegFeatures> {
  const ask = async (args: string[]) =>
    (await run(path, ['-hide_banner', ...args], { timeout: 30_000, windowsHide: true, maxBuffer: 8 << 20 }))
      .stdout;
  const [versionText, help, devices, filters, encoders] = await Promise.all([
    ask(['-version']),
    ask(['-h', 'long']),
    ask(['-devices']),
    ask(['-filters']),
    ask(['-encoders']),
  ]);
  // -hide_banner does not hide -version's own first line, which is what names the version.
  const version = parseFfmpegVersion(versionText);
  if (!version) throw new Error(`${path} does not answer -version as ffmpeg does`);
  return {
    version,
    statsPeriod: listsOption(help, 'stats_period'),
    fpsMode: listsOption(help, 'fps_mode'),
    inputDevices: parseDeviceList(devices),
    filters: parseFilterList(filters),
    encoders: parseEncoderList(encoders),
  };
}

function readCache(file: string): z.infer<typeof CacheSchema> | undefined {
  try {
    const parsed = CacheSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
