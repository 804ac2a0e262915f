import { randomBytes, randomUUID } from 'node:crypto';
import type { NatsConnection } from '@nats-io/transport-node';
import { AnyCamera, cameraIdOfSubject, encodeJson } from '@desk-onvif/contracts';
import { NatsServer } from '@desk-onvif/test-support';
import { loadConsoleConfig } from '../src/config.js';
import { ThumbnailCache } from '../src/thumbnail.cache.js';

/**
 * The console's snapshot cache against a real nats-server and simulated agents answering
 * `camera.<id>.snapshot` with 100 KiB images: one request per camera however many ask at once,
 * reuse within the max age, and never more than CONSOLE_THUMBNAIL_CACHE_MB of images held.
 */
const IMAGE_BYTES = 100 * 1024;
let nats: NatsServer;
let nc: NatsConnection;
let agents: NatsConnection;
const asked = new Map<string, number>();
const broken = randomUUID();

beforeAll(async () => {
  nats = await NatsServer.start();
  nc = await nats.connect();
  agents = await nats.connect();
  agents.subscribe(AnyCamera.snapshot.subject, {
    callback: (_e, msg) => {
      const id = cameraIdOfSubject(msg.subject)!;
      asked.set(id, (asked.get(id) ?? 0) + 1);
      msg.respond(
        encodeJson(
          id === broken
            ? { ok: false, error: { code: 'UNAVAILABLE', message: 'capture stopped' } }
            : {
                ok: true,
                contentType: 'image/jpeg',
                jpegBase64: randomBytes(IMAGE_BYTES).toString('base64'),
                at: new Date().toISOString(),
              },
        ),
      );
    },
  });
  await agents.flush();
});

afterAll(async () => {
  await nc?.close();
  await agents?.close();
  await nats?.dispose();
});

const cache = () =>
  new ThumbnailCache(
    nc,
    loadConsoleConfig({
      CONSOLE_TLS_CERT: 'unused.crt',
      CONSOLE_TLS_KEY: 'unused.key',
      CONSOLE_THUMBNAIL_CACHE_MB: '1',
      CONSOLE_THUMBNAIL_MAX_AGE_MS: '60000',
    }),
  );

it('asks a camera once for concurrent asks and reuses the image within the max age', async () => {
  const sut = cache();
  const id = randomUUID();
  const images = await Promise.all(Array.from({ length: 5 }, () => sut.get(id, 'sub')));
  expect(asked.get(id)).toBe(1);
  expect(images[0]!.length).toBe(IMAGE_BYTES);
  expect(new Set(images).size).toBe(1);
  expect(await sut.get(id, 'sub')).toBe(images[0]);
  expect(asked.get(id)).toBe(1);
  // A fresher image is asked for when the caller's max age has passed; the other stream is its own.
  await sut.get(id, 'sub', 0);
  await sut.get(id, 'main');
  expect(asked.get(id)).toBe(3);
});

it('holds at most CONSOLE_THUMBNAIL_CACHE_MB of images, the least recently used going first', async () => {
  const sut = cache();
  const ids = Array.from({ length: 30 }, () => randomUUID());
  for (const id of ids) await sut.get(id, 'sub');
  expect(sut.bytes).toBeGreaterThan(5 * IMAGE_BYTES);
  expect(sut.bytes).toBeLessThanOrEqual(1024 * 1024);
  await sut.get(ids.at(-1)!, 'sub');
  expect(asked.get(ids.at(-1)!)).toBe(1);
  await sut.get(ids[0]!, 'sub');
  expect(asked.get(ids[0]!)).toBe(2);
});

it('keeps no failure: the next ask goes to the camera again', async () => {
  const sut = cache();
  await expect(sut.get(broken, 'sub')).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  await expect(sut.get(broken, 'sub')).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  expect(asked.get(broken)).toBe(2);
  expect(sut.bytes).toBe(0);
});
