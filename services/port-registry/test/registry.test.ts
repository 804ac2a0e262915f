import {
  cameraIdOf,
  identityKey,
  DeskOnvifError,
  Registry,
  call,
  encodeEvent,
  cameraSubjects,
  RegistryEventSchema,
} from '@desk-onvif/contracts';
import { waitFor } from '@desk-onvif/test-support';
import { RegistryHarness, identities } from './harness.js';

const RANGE = { start: 21000, end: 21599 };

describe('port registry with a real nats-server and two replicas', () => {
  let h: RegistryHarness;
  beforeAll(async () => {
    h = await RegistryHarness.start({
      replicas: 2,
      range: `${RANGE.start}-${RANGE.end}`,
      env: { REGISTRY_HEARTBEAT_TIMEOUT_MS: '1500' },
    });
  });
  afterAll(async () => {
    await h?.dispose();
  });

  const many = identities(500);
  let first = new Map<string, number>();

  it('500 identities registered concurrently through 2 replicas get 500 distinct ports', async () => {
    const replies = await Promise.all(many.map((i) => h.register(i)));
    const ports = replies.map((r) => r.camera.onvifPort);
    expect(new Set(ports).size).toBe(500);
    for (const [i, r] of replies.entries()) {
      expect(r.camera.id).toBe(cameraIdOf(identityKey(many[i]!)));
      expect(r.camera.onvifPort).toBeGreaterThanOrEqual(RANGE.start);
      expect(r.camera.onvifPort).toBeLessThanOrEqual(RANGE.end);
      expect(r.camera.publish.password.length).toBeGreaterThan(20);
    }
    first = new Map(replies.map((r) => [r.camera.id, r.camera.onvifPort]));
    const stored = await h.records();
    expect(stored).toHaveLength(500);
    expect(new Set(stored.map((r) => r.mac)).size).toBe(500);
    // Both replicas did part of the work (queue group).
    const counts = await Promise.all(
      h.replicas.map(
        async (r) => /registrations_total\{outcome="created"[^}]*\} (\d+)/.exec(await r.metrics())?.[1],
      ),
    );
    expect(counts.every((c) => Number(c) > 0)).toBe(true);
  });

  it('the same identity registered at once through both replicas gets one camera', async () => {
    const twin = { hostId: 'twin-host', hostName: 'TWIN', mode: 'shared' as const };
    const replies = await Promise.all(Array.from({ length: 20 }, () => h.register(twin)));
    expect(new Set(replies.map((r) => r.camera.onvifPort)).size).toBe(1);
    expect(new Set(replies.map((r) => r.camera.publish.password)).size).toBe(1);
  });

  it('after both registry replicas restart, every camera re-registers to the same id and port', async () => {
    await Promise.all(h.replicas.map((r) => r.restart()));
    const replies = await Promise.all(many.map((i) => h.register(i)));
    for (const r of replies) expect(first.get(r.camera.id)).toBe(r.camera.onvifPort);
  });

  it('after nats-server restarts on the same store, every camera keeps its id and port', async () => {
    await h.nats.restart();
    await waitFor('registry answering again', async () => {
      await h.register(many[0]!, 1000);
      return true;
    });
    const replies = await Promise.all(many.map((i) => h.register(i)));
    for (const r of replies) expect(first.get(r.camera.id)).toBe(r.camera.onvifPort);
  });

  it('a renamed host keeps its camera and port; the record is updated', async () => {
    const renamed = { ...many[0]!, hostName: 'PC-0-RENAMED' };
    const r = await h.register(renamed);
    expect(r.camera.onvifPort).toBe(first.get(r.camera.id));
    expect(r.camera.name).toBe('PC-0-RENAMED');
  });

  it('an administrator moves a camera to another port; the old one is freed; a taken port is refused', async () => {
    const a = (await h.register(many[2]!)).camera;
    const b = (await h.register(many[4]!)).camera;
    const free = RANGE.end + 1; // outside the range: administrators may choose any port
    const moved = await call(h.nc, Registry.update, {
      id: a.id,
      patch: { onvifPort: free, name: 'Reception' },
    });
    expect(moved.camera).toMatchObject({
      onvifPort: free,
      portSetByAdmin: true,
      name: 'Reception',
      nameSetByAdmin: true,
    });
    expect(moved.camera.publish.password).toBe(''); // admin replies never carry the secret
    expect((await h.register(many[2]!)).camera.onvifPort).toBe(free);
    await expect(call(h.nc, Registry.update, { id: b.id, patch: { onvifPort: free } })).rejects.toMatchObject(
      { code: 'PORT_IN_USE' },
    );
    // a's old port is free again: b can take it.
    const bMoved = await call(h.nc, Registry.update, { id: b.id, patch: { onvifPort: a.onvifPort } });
    expect(bMoved.camera.onvifPort).toBe(a.onvifPort);
  });

  it('a port the onvif service cannot bind moves the camera, with an event and a metric', async () => {
    const cam = (await h.register(many[6]!)).camera;
    const events: unknown[] = [];
    const sub = h.nc.subscribe(Registry.event.subject, {
      callback: (_e, m) => {
        events.push(RegistryEventSchema.parse(m.json()));
      },
    });
    const r = await call(h.nc, Registry.portUnusable, {
      id: cam.id,
      port: cam.onvifPort,
      reason: 'EADDRINUSE',
    });
    expect(r.camera.onvifPort).not.toBe(cam.onvifPort);
    // A second report of the same (now stale) port changes nothing.
    const again = await call(h.nc, Registry.portUnusable, {
      id: cam.id,
      port: cam.onvifPort,
      reason: 'EADDRINUSE',
    });
    expect(again.camera.onvifPort).toBe(r.camera.onvifPort);
    await waitFor('port-moved event', () => events.length > 0);
    sub.unsubscribe();
    expect(events).toEqual([
      {
        type: 'camera.port-moved',
        id: cam.id,
        from: cam.onvifPort,
        to: r.camera.onvifPort,
        reason: 'EADDRINUSE',
      },
    ]);
    const text = (await Promise.all(h.replicas.map((x) => x.metrics()))).join('\n');
    expect(text).toMatch(/port_moves_total\{reason="bind-failed"[^}]*\} 1/);
    // The blocked port is not handed to the next new camera that prefers it.
    expect((await h.register(many[6]!)).camera.onvifPort).toBe(r.camera.onvifPort);
  });

  it('heartbeats bring a camera online and silence takes it offline; the record changes only on transitions', async () => {
    const cam = (await h.register(many[8]!)).camera;
    const writes = await h.countWrites(cam.id);
    const beat = () =>
      h.nc.publish(
        cameraSubjects(cam.id).heartbeat.subject,
        encodeEvent(cameraSubjects(cam.id).heartbeat, {
          state: 'streaming',
          fps: 15,
          bitrateKbps: 900,
          encoder: 'libx264',
          uptimeS: 1,
          at: new Date().toISOString(),
        }),
      );
    beat();
    await waitFor('online', async () => (await call(h.nc, Registry.get, { id: cam.id })).camera.online);
    await waitFor('the online write seen', () => writes.count() === 1);
    for (let i = 0; i < 5; i++) {
      beat();
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(writes.count()).toBe(1);
    await waitFor(
      'offline',
      async () => !(await call(h.nc, Registry.get, { id: cam.id })).camera.online,
      10_000,
    );
    await waitFor('the offline write seen', () => writes.count() === 2);
    await new Promise((r) => setTimeout(r, 500));
    writes.stop();
    expect(writes.count()).toBe(2); // two replicas noticed, one wrote
  });

  it('get, list with paging, remove', async () => {
    const all: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await call(h.nc, Registry.list, { limit: 150, ...(cursor ? { cursor } : {}) });
      all.push(...page.cameras.map((c) => c.id));
      cursor = page.nextCursor;
      expect(page.cameras.every((c) => c.publish.password === '')).toBe(true);
    } while (cursor);
    expect(new Set(all).size).toBe(all.length);
    expect(all.length).toBe((await h.records()).length);
    const victim = all[0]!;
    await call(h.nc, Registry.remove, { id: victim });
    await expect(call(h.nc, Registry.get, { id: victim })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(call(h.nc, Registry.remove, { id: victim })).rejects.toBeInstanceOf(DeskOnvifError);
  });
});
