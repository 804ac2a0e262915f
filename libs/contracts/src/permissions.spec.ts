import {
  adminPermissions,
  cameraPermissions,
  consolePermissions,
  discoveryPermissions,
  enrolmentPermissions,
  onvifPermissions,
  registryPermissions,
  type Permissions,
} from './permissions.js';

/** NATS subject matching: `*` one token, `>` the rest (one or more tokens). */
function matches(pattern: string, subject: string): boolean {
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '>') return s.length > i;
    if (i >= s.length || (p[i] !== '*' && p[i] !== s[i])) return false;
  }
  return p.length === s.length;
}
const can = (perm: { allow: string[]; deny: string[] }, subject: string) =>
  perm.allow.some((a) => matches(a, subject)) && !perm.deny.some((d) => matches(d, subject));
const pub = (p: Permissions, s: string) => can(p.pub, s);
const sub = (p: Permissions, s: string) => can(p.sub, s);

const A = '6b1f3f0e-1c7e-5d2a-9a53-0d7c8c1b2a11';
const B = '0c8d54a2-7a4c-5f40-8e0b-7a0f1f7f3b22';

describe('permission catalogue', () => {
  describe('a camera credential', () => {
    const cam = cameraPermissions(A);
    it.each([
      `registry.camera.${A}.register`,
      `registry.camera.${A}.settings`,
      `onvif.camera.${A}.credentials.bootstrap`,
      `camera.${A}.heartbeat`,
      `camera.${A}.event`,
    ])('may publish its own %s', (s) => expect(pub(cam, s)).toBe(true));

    it.each([
      [`registry.camera.${B}.register`, "another camera's registration"],
      [`camera.${B}.heartbeat`, "another camera's heartbeat"],
      [`onvif.camera.${B}.credentials.bootstrap`, "another camera's bootstrap"],
      ['registry.register', 'the shared registration (upgrade path)'],
      ['onvif.credentials.bootstrap', 'the shared bootstrap'],
      ['registry.update', 'an admin subject'],
      ['registry.remove', 'an admin subject'],
      ['registry.binding.reset', 'an admin subject'],
      ['registry.port-unusable', "the onvif service's report"],
      [`$KV.cameras.${A}`, 'a KV write'],
      ['$KV.users.x', 'a KV write'],
      ['$JS.API.STREAM.DELETE.KV_cameras', 'a stream delete'],
      ['$JS.API.STREAM.INFO.KV_cameras', 'a KV read'],
      [`$JS.API.DIRECT.GET.KV_cameras.$KV.cameras.${A}`, 'a KV read'],
      [`camera.${B}.snapshot`, 'a snapshot of another camera'],
    ])('may not publish %s (%s)', (s) => expect(pub(cam, s)).toBe(false));

    it('subscribes only to its settings, snapshot and own inbox', () => {
      expect(sub(cam, `camera.${A}.settings`)).toBe(true);
      expect(sub(cam, `camera.${A}.snapshot`)).toBe(true);
      expect(sub(cam, `_INBOX_${A}.abc`)).toBe(true);
      for (const s of [
        '>',
        '_INBOX.abc',
        `_INBOX_${B}.abc`,
        `camera.${B}.snapshot`,
        'registry.register',
        `registry.camera.${B}.register`,
        'registry.event',
        '$KV.cameras.x',
      ])
        expect(sub(cam, s)).toBe(false);
      expect(cam.resp).toEqual({ max: 1, ttl: 0 });
    });
  });

  it('only the onvif service may report a port unusable', () => {
    expect(pub(onvifPermissions(), 'registry.port-unusable')).toBe(true);
    for (const p of [
      discoveryPermissions(),
      consolePermissions(),
      cameraPermissions(A),
      enrolmentPermissions('abcdefabcdefabcd'),
    ])
      expect(pub(p, 'registry.port-unusable')).toBe(false);
  });

  it('discovery reads and watches cameras, and writes nothing', () => {
    const d = discoveryPermissions();
    expect(pub(d, '$JS.API.STREAM.INFO.KV_cameras')).toBe(true);
    expect(pub(d, '$JS.API.CONSUMER.CREATE.KV_cameras.watch1.$KV.cameras.>')).toBe(true);
    for (const s of [
      '$KV.cameras.x',
      '$JS.API.STREAM.CREATE.KV_cameras',
      '$JS.API.STREAM.INFO.KV_users',
      'registry.update',
    ])
      expect(pub(d, s)).toBe(false);
    expect(d.resp).toBeUndefined();
  });

  it('nobody but the admin deletes or purges a stream', () => {
    for (const p of [
      registryPermissions(),
      onvifPermissions(),
      discoveryPermissions(),
      consolePermissions(),
    ]) {
      expect(pub(p, '$JS.API.STREAM.DELETE.KV_cameras')).toBe(false);
      expect(pub(p, '$JS.API.STREAM.PURGE.KV_users')).toBe(false);
    }
    expect(pub(adminPermissions(), '$JS.API.STREAM.DELETE.KV_cameras')).toBe(true);
  });

  it('the registry serves camera requests and owns its buckets, not the users bucket', () => {
    const r = registryPermissions();
    expect(sub(r, `registry.camera.${A}.register`)).toBe(true);
    expect(sub(r, 'registry.enrol')).toBe(true);
    expect(sub(r, `camera.${A}.heartbeat`)).toBe(true);
    expect(pub(r, '$KV.cameras.x')).toBe(true);
    expect(pub(r, '$KV.enrolments.x')).toBe(true);
    expect(pub(r, '$KV.users.x')).toBe(false);
    expect(sub(r, `_INBOX_${A}.x`)).toBe(false);
  });

  it('the onvif service owns users, reads cameras, reaches every camera', () => {
    const o = onvifPermissions();
    expect(pub(o, '$KV.users.x')).toBe(true);
    expect(pub(o, '$KV.cameras.x')).toBe(false);
    expect(pub(o, `camera.${A}.snapshot`)).toBe(true);
    expect(sub(o, `onvif.camera.${A}.credentials.bootstrap`)).toBe(true);
  });

  it('the onvif service keeps and reads CAMERA_EVENTS (for a restart to replay), and no other stream', () => {
    const o = onvifPermissions();
    for (const s of [
      '$JS.API.STREAM.CREATE.CAMERA_EVENTS',
      '$JS.API.STREAM.UPDATE.CAMERA_EVENTS',
      '$JS.API.CONSUMER.CREATE.CAMERA_EVENTS.oc_1',
      '$JS.API.CONSUMER.MSG.NEXT.CAMERA_EVENTS.oc_1',
    ])
      expect(pub(o, s)).toBe(true);
    for (const s of [
      '$JS.API.STREAM.DELETE.CAMERA_EVENTS',
      '$JS.API.STREAM.PURGE.CAMERA_EVENTS',
      '$JS.API.STREAM.CREATE.OTHER',
      '$JS.API.STREAM.UPDATE.KV_cameras',
      'camera.x.event',
    ])
      expect(pub(o, s)).toBe(false);
    for (const p of [discoveryPermissions(), consolePermissions(), cameraPermissions(A)])
      expect(pub(p, '$JS.API.STREAM.CREATE.CAMERA_EVENTS')).toBe(false);
  });

  it('an enrolment credential may only ask to enrol and read its own inbox', () => {
    const e = enrolmentPermissions('abcdefabcdefabcd');
    expect(e.pub.allow).toEqual(['registry.enrol']);
    expect(e.sub.allow).toEqual(['_INBOX_enrol_abcdefabcdefabcd.>']);
  });

  it('the console reads cameras and calls admin subjects, but writes no KV', () => {
    const c = consolePermissions();
    expect(pub(c, 'registry.update')).toBe(true);
    expect(pub(c, 'registry.binding.reset')).toBe(true);
    expect(pub(c, '$JS.API.STREAM.DELETE.KV_cameras')).toBe(false);
    expect(sub(c, 'registry.event')).toBe(true);
    expect(sub(c, 'console.doctor')).toBe(true);
    expect(pub(c, 'onvif.users.add')).toBe(true);
    expect(sub(onvifPermissions(), 'onvif.users.set')).toBe(true);
    for (const p of [cameraPermissions(A), discoveryPermissions(), registryPermissions()])
      expect(pub(p, 'onvif.users.add')).toBe(false);
    expect(pub(c, '$KV.console-audit.x')).toBe(true);
    for (const s of [
      'registry.enrol',
      `camera.${A}.heartbeat`,
      `registry.camera.${A}.register`,
      '$KV.cameras.x',
      '$KV.users.x',
      '$JS.API.STREAM.INFO.KV_users',
      '$JS.API.DIRECT.GET.KV_bindings.x',
    ])
      expect(pub(c, s)).toBe(false);
    expect(sub(c, `camera.${A}.settings`)).toBe(false);
    expect(sub(c, '>')).toBe(false);
  });
});
