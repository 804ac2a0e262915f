import { Kvm } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Buckets } from '@desk-onvif/contracts';
import { NatsServer } from '@desk-onvif/test-support';

/**
 * The generated configuration on a real nats-server: operator mode with TLS required, each role's
 * credential with the catalogue's permissions as nats-server enforces them.
 */
describe('nats-server in the generated operator configuration', () => {
  let nats: NatsServer;
  const open: NatsConnection[] = [];
  const track = (nc: NatsConnection) => (open.push(nc), nc);

  beforeAll(async () => {
    nats = await NatsServer.start();
  });
  afterAll(async () => {
    for (const nc of open) await nc.close().catch(() => undefined);
    await nats?.dispose();
  });

  it('refuses a client without a credential, and one that does not trust the site CA', async () => {
    await expect(
      connect({ servers: nats.url, reconnect: false, tls: { caFile: nats.caFile } }),
    ).rejects.toThrow(/Authorization|authentication/i);
    const { tls: _tls, ...noCa } = nats.connectOptions('admin', { reconnect: false });
    await expect(connect(noCa)).rejects.toThrow(/certificate/i);
  });

  it('the registry owns cameras; discovery reads and watches it but cannot write it', async () => {
    const registry = track(await nats.connect('registry'));
    const kv = await new Kvm(registry).create(Buckets.cameras, { history: 5 });
    await kv.put('cam-1', '{"v":1}');

    const discovery = track(await nats.connect('discovery'));
    const view = await new Kvm(discovery).open(Buckets.cameras);
    expect((await view.get('cam-1'))?.string()).toBe('{"v":1}');
    const watch = await view.watch();
    for await (const entry of watch) {
      expect(entry.key).toBe('cam-1');
      break;
    }
    watch.stop();
    await expect(view.put('cam-1', '{"v":"evil"}')).rejects.toThrow(/Permissions Violation/);
    expect((await kv.get('cam-1'))?.string()).toBe('{"v":1}');
  });

  it('a camera credential reaches neither KV nor another camera, and is refused a port report', async () => {
    const id = '6b1f3f0e-1c7e-5d2a-9a53-0d7c8c1b2a11';
    const camera = await nats.issueCamera(id);
    const nc = track(await connect(camera.options({ reconnect: false })));
    const kv = await new Kvm(nc).open(Buckets.cameras);
    await expect(kv.get('cam-1')).rejects.toThrow(/Permissions Violation/);
    await expect(kv.put('cam-1', '{}')).rejects.toThrow(/Permissions Violation/);
    await expect(nc.request('registry.port-unusable', '{}', { timeout: 2000 })).rejects.toThrow(
      /Permissions Violation/,
    );
    const sub = nc.subscribe('camera.0c8d54a2-7a4c-5f40-8e0b-7a0f1f7f3b22.snapshot');
    await expect(sub.closed).resolves.toBeInstanceOf(Error);
    expect(nc.isClosed()).toBe(false);
  });
});
