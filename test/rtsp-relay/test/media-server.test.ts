import { randomBytes } from 'node:crypto';
import { cameraIdOf, identityKey, mediaPathsOf } from '@desk-onvif/contracts';
import {
  chooseMediaServer,
  decodeAudioOf,
  toneFrequencyOf,
  meanColourOf,
  probeStreams,
  publishTestPattern,
  readStream,
  startMediaServer,
  waitFor,
  type MediaServer,
  type Spawned,
} from '@desk-onvif/test-support';
import { TableAuthHook } from './table.hook.js';
import { haveOpenApi, openApiValidator } from './openapi.schema.js';

/**
 * One suite for whichever media server this machine runs (real MediaMTX, binary or container, or
 * the RTSP relay double): what desk-onvif relies on, seen from real ffmpeg and ffprobe.
 */
const camera = cameraIdOf(
  identityKey({ mode: 'shared', hostId: `media-test-${randomBytes(4).toString('hex')}` }),
);
const paths = mediaPathsOf(camera);
const publisher = { user: `agent-${camera.slice(0, 8)}`, password: randomBytes(12).toString('hex') };
const viewer = { user: 'nvr', password: randomBytes(12).toString('hex') };

let hook: TableAuthHook;
let media: MediaServer;
const running: Spawned[] = [];

interface PathItem {
  name: string;
  confName: string;
  ready: boolean;
  source: { type: string; id: string } | null;
  tracks2: { codec: string; codecProps: Record<string, unknown> | null }[];
  readers: { type: string; id: string }[];
}

async function pathList(): Promise<{ itemCount: number; pageCount: number; items: PathItem[] }> {
  const res = await fetch(`${media.apiUrl}/v3/paths/list`);
  if (res.status !== 200) throw new Error(`paths list: HTTP ${res.status}`);
  return (await res.json()) as { itemCount: number; pageCount: number; items: PathItem[] };
}

async function pathItem(name: string): Promise<PathItem | undefined> {
  return (await pathList()).items.find((p) => p.name === name);
}

function publish(
  path: string,
  creds: { user: string; password: string },
  colour: string,
  toneHz?: number,
): Spawned {
  const proc = publishTestPattern(media.rtspUrl(path, creds), { colour, toneHz });
  running.push(proc);
  return proc;
}

beforeAll(async () => {
  const choice = await chooseMediaServer();
  console.info(`media server for this run: ${choice.kind} (${choice.why})`);
  hook = await TableAuthHook.start([
    { action: 'publish', ...publisher, path: paths.main },
    { action: 'publish', ...publisher, path: paths.sub },
    { action: 'publish', ...publisher, path: 'live/other' },
    { action: 'read', ...viewer, path: paths.main },
    { action: 'read', ...viewer, path: paths.sub },
    { action: 'api' },
    { action: 'metrics' },
  ]);
  media = await startMediaServer({ authHookUrl: hook.url });
});

afterAll(async () => {
  await Promise.all(running.map((p) => p.stop()));
  await media?.stop();
  await hook?.stop();
});

describe('media server: publish', () => {
  it('takes a publisher with the camera secret, after challenging it for credentials', async () => {
    const proc = publish(paths.main, publisher, 'red');
    await waitFor(
      `${paths.main} ready`,
      async () => (await pathItem(paths.main))?.ready === true,
      20_000,
    ).catch((err: Error) => {
      throw new Error(`${err.message}\nffmpeg: ${proc.output()}\nserver: ${media.output()}`);
    });
    const calls = hook.callsFor('publish', paths.main);
    expect(calls[0]).toMatchObject({ user: '', password: '', action: 'publish', protocol: 'rtsp' });
    expect(calls.at(-1)).toMatchObject({ ...publisher, path: paths.main, query: '', protocol: 'rtsp' });
    for (const key of [
      'user',
      'password',
      'token',
      'ip',
      'action',
      'path',
      'protocol',
      'id',
      'query',
      'userAgent',
    ])
      expect(calls.at(-1)).toHaveProperty(key);
    expect(calls.at(-1)!.userAgent).toMatch(/^Lavf/);
  });

  it('lists the path with its H.264 track as the API documents it', async () => {
    const list = await pathList();
    const item = list.items.find((p) => p.name === paths.main)!;
    expect(item).toMatchObject({ ready: true, source: { type: 'rtspSession' } });
    expect(item.confName.startsWith('~^desk/')).toBe(true);
    expect(item.tracks2).toEqual([
      { codec: 'H264', codecProps: expect.objectContaining({ width: 320, height: 240 }) as unknown },
    ]);
    expect(list.itemCount).toBe(list.items.length);
    if (haveOpenApi) {
      const schema = openApiValidator('PathList');
      expect(schema.errors(list)).toEqual([]);
      expect(schema.undeclaredKeys(list)).toEqual([]);
    }
  });

  it('refuses a publisher without the camera secret; its path never appears', async () => {
    const proc = publish(paths.sub, { user: publisher.user, password: 'wrong' }, 'green');
    const code = await proc.exited;
    expect(code).not.toBe(0);
    expect(proc.output()).toMatch(/401|Unauthorized/i);
    expect(await pathItem(paths.sub)).toBeUndefined();
  });

  it('refuses a path outside the camera paths without asking the hook', async () => {
    const proc = publish('live/other', publisher, 'green');
    expect(await proc.exited).not.toBe(0);
    expect(hook.callsFor('publish', 'live/other')).toEqual([]);
    expect(await pathItem('live/other')).toBeUndefined();
  });
});

describe('media server: read', () => {
  it('gives ffprobe the stream info with an ONVIF user of the camera', async () => {
    const probed = await probeStreams(media.rtspUrl(paths.main, viewer));
    expect(probed).toEqual({
      ok: true,
      streams: [expect.objectContaining({ codec_name: 'h264', width: 320, height: 240 })],
    });
    expect(hook.callsFor('read', paths.main).at(-1)).toMatchObject({ ...viewer, protocol: 'rtsp' });
  });

  it('serves a reader that lets ffprobe choose (UDP first, as an NVR does)', async () => {
    const probed = await probeStreams(media.rtspUrl(paths.main, viewer), 'auto');
    expect(probed).toMatchObject({ ok: true, streams: [{ codec_name: 'h264' }] });
  });

  it('serves RTP over UDP to a reader that insists on it: decoded frames of the picture', async () => {
    if (!media.udp) {
      console.warn(`SKIPPED: ${media.kind} serves no UDP to this host (Docker NAT)`);
      return;
    }
    const colour = await meanColourOf(media.rtspUrl(paths.main, viewer), 3, 'udp');
    expect(colour.pixels).toBe(3 * 320 * 240);
    expect(colour.r).toBeGreaterThan(200);
    expect(colour.g).toBeLessThan(60);
  });

  it('delivers decoded frames of the published picture', async () => {
    const colour = await meanColourOf(media.rtspUrl(paths.main, viewer), 3);
    expect(colour.pixels).toBe(3 * 320 * 240);
    expect(colour.r).toBeGreaterThan(200);
    expect(colour.g).toBeLessThan(60);
    expect(colour.b).toBeLessThan(60);
  });

  it('lists a reader while one reads', async () => {
    const reader = spawnReader(paths.main);
    await waitFor(
      'a reader in the paths list',
      async () => ((await pathItem(paths.main))?.readers.length ?? 0) > 0,
    );
    expect((await pathItem(paths.main))!.readers[0]).toMatchObject({ type: 'rtspSession' });
    await reader.stop();
    await waitFor('the reader gone', async () => (await pathItem(paths.main))?.readers.length === 0);
  });

  it('challenges a reader without credentials (401), so it can retry with them', async () => {
    const probed = await probeStreams(media.rtspUrl(paths.main));
    expect(probed.ok).toBe(false);
    expect(probed.ok ? '' : probed.error).toMatch(/401/);
    expect(hook.callsFor('read', paths.main).some((c) => c.user === '' && c.password === '')).toBe(true);
  });

  it('refuses a reader with a wrong password', async () => {
    const probed = await probeStreams(media.rtspUrl(paths.main, { user: viewer.user, password: 'nope' }));
    expect(probed.ok).toBe(false);
    expect(probed.ok ? '' : probed.error).toMatch(/401/);
  });

  it('refuses the publisher secret for reading', async () => {
    const probed = await probeStreams(media.rtspUrl(paths.main, publisher));
    expect(probed.ok).toBe(false);
  });

  it('answers 404 for a camera path nobody publishes', async () => {
    const probed = await probeStreams(media.rtspUrl(paths.sub, viewer));
    expect(probed.ok ? '' : probed.error).toMatch(/404/);
  });
});

describe('media server: publishers come and go', () => {
  it('lets a new publisher take the path over, as a restarted agent does', async () => {
    const first = running[0]!;
    const second = publish(paths.main, publisher, 'blue', 1000);
    expect(await first.exited).not.toBe(null);
    await waitFor(
      'the blue picture',
      async () => (await meanColourOf(media.rtspUrl(paths.main, viewer), 1)).b > 200,
      20_000,
    );
    expect(second.child.exitCode).toBe(null);
  });

  it('relays the audio of the same session: a 1 kHz tone decoded over TCP and over UDP', async () => {
    const probed = await probeStreams(media.rtspUrl(paths.main, viewer), 'tcp', 'codec_type,codec_name');
    expect(probed).toMatchObject({
      ok: true,
      streams: expect.arrayContaining([{ codec_type: 'audio', codec_name: 'aac' }]) as unknown,
    });
    for (const transport of media.udp ? (['tcp', 'udp'] as const) : (['tcp'] as const)) {
      const hz = toneFrequencyOf(await decodeAudioOf(media.rtspUrl(paths.main, viewer), { transport }));
      // ±2 %, over each transport (the transport named in a failure).
      expect({ transport, withinTwoPercent: Math.abs((hz ?? 0) - 1000) <= 20, hz }).toMatchObject({
        transport,
        withinTwoPercent: true,
      });
    }
  });

  it('drops the path from the list when its publisher leaves', async () => {
    await Promise.all(running.map((p) => p.stop()));
    await waitFor('the path gone', async () => (await pathItem(paths.main)) === undefined);
  });
});

function spawnReader(path: string): Spawned {
  const proc = readStream(media.rtspUrl(path, viewer));
  running.push(proc);
  return proc;
}
