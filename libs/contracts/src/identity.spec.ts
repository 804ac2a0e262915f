import { cameraIdOf, identityKey, macOf, mediaPathsOf, serialOf } from './identity.js';

describe('identity', () => {
  it.each([
    ['shared', { mode: 'shared' as const, hostId: 'ABC-123' }, 'shared/abc-123'],
    [
      'per-user',
      { mode: 'per-user' as const, hostId: 'abc-123', userId: 'S-1-5-21-1-2-3-1001' },
      'user/abc-123/S-1-5-21-1-2-3-1001',
    ],
    [
      'per-user, spaces trimmed',
      { mode: 'per-user' as const, hostId: ' abc ', userId: ' 1000 ' },
      'user/abc/1000',
    ],
  ])('identity key: %s', (_name, parts, key) => {
    expect(identityKey(parts)).toBe(key);
  });

  it('refuses a per-user identity without a user', () => {
    expect(() => identityKey({ mode: 'per-user', hostId: 'abc' })).toThrow(/userId/);
  });

  it('camera id is the UUIDv5 of the key, the same on every run', () => {
    const id = cameraIdOf('shared/abc-123');
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(cameraIdOf('shared/abc-123')).toBe(id);
    expect(cameraIdOf('shared/abc-124')).not.toBe(id);
    // Pinned (cross-checked with Python's uuid.uuid5): a change of namespace or algorithm would
    // re-identify every camera in the field.
    expect(cameraIdOf('shared/0123456789abcdef0123456789abcdef')).toBe(
      '14ab96c9-86f2-50a9-b583-fbf597aaef5e',
    );
  });

  it('MACs are locally administered, unicast and distinct across 10,000 cameras', () => {
    const macs = new Set<string>();
    for (let i = 0; i < 10_000; i++) {
      const mac = macOf(cameraIdOf(`shared/host-${i}`));
      expect(mac).toMatch(/^02(:[0-9a-f]{2}){5}$/);
      macs.add(mac);
    }
    expect(macs.size).toBe(10_000);
  });

  it('serial and media paths derive from the id', () => {
    const id = cameraIdOf('shared/x');
    expect(serialOf(id)).toBe(`DO-${id.replace(/-/g, '').slice(0, 16).toUpperCase()}`);
    expect(mediaPathsOf(id)).toEqual({ main: `desk/${id}/main`, sub: `desk/${id}/sub` });
  });
});
