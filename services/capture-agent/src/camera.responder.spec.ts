import type { NatsConnection } from '@nats-io/transport-node';
import { cameraSubjects, DEFAULT_ENCODER_SETTINGS, InvalidRequestError } from '@desk-onvif/contracts';
import { CameraResponder, type CameraHandlers } from './camera.responder.js';
import { jsonLogger } from './logger.js';

const ID = '0b7f5f64-5d1a-5c8e-9a4e-2f1d4e8c7a90';
type Callback = (err: Error | null, msg: { data: Uint8Array; respond(data: Uint8Array): boolean }) => void;

/** Just enough of a NATS connection: subscriptions by subject, and a way to deliver a request. */
function fakeNats() {
  const callbacks = new Map<string, Callback>();
  const nc = {
    subscribe: (subject: string, opts: { callback: Callback }) => {
      callbacks.set(subject, opts.callback);
      return { unsubscribe: () => callbacks.delete(subject) };
    },
  } as unknown as NatsConnection;
  const request = (subject: string, body: unknown) =>
    new Promise<unknown>((resolve) => {
      const data = new TextEncoder().encode(typeof body === 'string' ? body : JSON.stringify(body));
      callbacks.get(subject)!(null, {
        data,
        respond: (reply) => {
          resolve(JSON.parse(new TextDecoder().decode(reply)));
          return true;
        },
      });
    });
  return { nc, request, callbacks };
}

describe('CameraResponder', () => {
  const subjects = cameraSubjects(ID);
  const quiet = jsonLogger('error', {}, () => {});

  function setup(handlers: Partial<CameraHandlers> = {}) {
    const sut = new CameraResponder(
      {
        settings: (s) => Promise.resolve(s),
        snapshot: () => undefined,
        ...handlers,
      },
      quiet,
    );
    const fake = fakeNats();
    sut.listen(fake.nc, ID);
    return { sut, ...fake };
  }

  it('answers settings with the applied settings', async () => {
    const { request } = setup();
    expect(await request(subjects.settings.subject, { settings: DEFAULT_ENCODER_SETTINGS })).toEqual({
      ok: true,
      settings: DEFAULT_ENCODER_SETTINGS,
    });
  });

  it('refuses an invalid request with INVALID_REQUEST naming the field', async () => {
    const { request } = setup();
    const reply = (await request(subjects.settings.subject, { settings: { main: {} } })) as {
      ok: boolean;
      error: { code: string; message: string };
    };
    expect(reply.ok).toBe(false);
    expect(reply.error.code).toBe('INVALID_REQUEST');
    expect(reply.error.message).toMatch(/settings\.main/);
    expect(await request(subjects.settings.subject, 'not json')).toMatchObject({
      error: { code: 'INVALID_REQUEST' },
    });
  });

  it('passes on the code of a handler error', async () => {
    const { request } = setup({ settings: () => Promise.reject(new InvalidRequestError('odd width')) });
    expect(await request(subjects.settings.subject, { settings: DEFAULT_ENCODER_SETTINGS })).toEqual({
      ok: false,
      error: { code: 'INVALID_REQUEST', message: 'odd width' },
    });
  });

  it('snapshot: UNAVAILABLE before the first frame, then the JPEG in base64', async () => {
    let latest: { jpeg: Buffer; at: Date } | undefined = undefined;
    const { request } = setup({ snapshot: () => latest });
    expect(await request(subjects.snapshot.subject, {})).toMatchObject({
      ok: false,
      error: { code: 'UNAVAILABLE' },
    });
    latest = { jpeg: Buffer.from([0xff, 0xd8, 0xff, 0xd9]), at: new Date('2026-01-01T00:00:00Z') };
    expect(await request(subjects.snapshot.subject, { stream: 'sub' })).toEqual({
      ok: true,
      contentType: 'image/jpeg',
      jpegBase64: '/9j/2Q==',
      at: '2026-01-01T00:00:00.000Z',
    });
  });

  it('snapshot: the stream asked for (main by default) is the one served', async () => {
    const asked: string[] = [];
    const { request } = setup({
      snapshot: (stream) => {
        asked.push(stream);
        return { jpeg: Buffer.from([0xff, 0xd8, 0xff, 0xd9]), at: new Date(0) };
      },
    });
    await request(subjects.snapshot.subject, { stream: 'sub' });
    await request(subjects.snapshot.subject, {});
    expect(asked).toEqual(['sub', 'main']);
  });

  it('close() unsubscribes', () => {
    const { sut, callbacks } = setup();
    sut.close();
    expect(callbacks.size).toBe(0);
  });
});
