import { Registry } from '@desk-onvif/contracts';
import { RegistryHarness, identities } from './harness.js';

const enc = (s: string) => new TextEncoder().encode(s);

describe('port registry: bad input and an exhausted range', () => {
  let h: RegistryHarness;
  beforeAll(async () => {
    h = await RegistryHarness.start({ replicas: 1, range: '30000-30002' });
  });
  afterAll(async () => {
    await h?.dispose();
  });

  it.each([
    ['malformed JSON', '{"identity":', /^payload: not valid JSON/],
    ['empty payload', '', /^payload: empty/],
    [
      'schema-invalid mode',
      JSON.stringify({ identity: { hostId: 'a', hostName: 'b', mode: 'x' } }),
      /^identity\.mode: /,
    ],
    [
      'missing hostName',
      JSON.stringify({ identity: { hostId: 'a', mode: 'shared' } }),
      /^identity\.hostName: /,
    ],
    [
      'oversize payload',
      JSON.stringify({ identity: { hostId: 'a', hostName: 'b'.repeat(100_000), mode: 'shared' } }),
      /^payload: \d+ bytes, the limit is 65536/,
    ],
  ])('%s → INVALID_REQUEST naming the field, nothing written', async (_name, payload, message) => {
    const reply = await h.raw(Registry.register.subject, enc(payload));
    expect(reply.ok).toBe(false);
    expect(reply.error?.code).toBe('INVALID_REQUEST');
    expect(reply.error?.message).toMatch(message);
    expect(await h.records()).toHaveLength(0);
  });

  it('bad input on every other subject is refused the same way', async () => {
    for (const c of [Registry.get, Registry.update, Registry.remove, Registry.portUnusable, Registry.list]) {
      const reply = await h.raw(c.subject, enc('{"id": 5}'));
      expect(reply).toMatchObject({ ok: false, error: { code: 'INVALID_REQUEST' } });
    }
  });

  it('the service kept running and counted the refusals', async () => {
    const ok = await h.register(identities(1, 'alive')[0]!);
    expect(ok.camera.onvifPort).toBeGreaterThanOrEqual(30000);
    expect(await h.replicas[0]!.metrics()).toMatch(
      /invalid_requests_total\{subject="registry.register"[^}]*\} 5/,
    );
  });

  it('an exhausted range → PORT_RANGE_EXHAUSTED with the range in the message', async () => {
    const ids = identities(3, 'full');
    const results = await Promise.allSettled(ids.map((i) => h.register(i)));
    const rejected = results.filter((r) => r.status === 'rejected');
    expect(rejected).toHaveLength(1); // 3 ports, one already used by the test above
    expect((rejected[0] as PromiseRejectedResult).reason).toMatchObject({
      code: 'PORT_RANGE_EXHAUSTED',
      message: expect.stringContaining('30000-30002') as unknown,
    });
    expect(await h.replicas[0]!.metrics()).toMatch(/registrations_total\{outcome="exhausted"[^}]*\} 1/);
    expect(await h.replicas[0]!.metrics()).toMatch(/desk_onvif_registry_ports\{state="free"[^}]*\} 0/);
  });
});
