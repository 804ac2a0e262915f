import { cameraIdOf } from '@desk-onvif/contracts';
import { newCameraRecord, redacted, refreshLabels } from './camera.factory.js';

const now = new Date('2026-01-01T00:00:00Z');
const request = {
  identity: {
    hostId: 'h1',
    hostName: 'LAB-PC-01',
    mode: 'per-user' as const,
    userId: '1001',
    userName: 'alice',
  },
};
const id = cameraIdOf('user/h1/1001');
const record = newCameraRecord({
  id,
  identityKey: 'user/h1/1001',
  request,
  port: 8095,
  node: 'default',
  now,
  publishSecret: 's3cret-s3cret',
});

describe('camera records', () => {
  it('a new record derives everything from the id', () => {
    expect(record).toMatchObject({
      id,
      onvifPort: 8095,
      name: 'LAB-PC-01 (alice)',
      online: false,
      discoveryMode: 'Discoverable',
    });
    expect(record.mac).toMatch(/^02:/);
    expect(record.paths.main).toBe(`desk/${id}/main`);
  });

  it('a re-registration with the same labels changes nothing', () => {
    expect(refreshLabels(record, request, new Date())).toBeUndefined();
  });

  it('a renamed host or user refreshes the labels but never the port', () => {
    const next = refreshLabels(
      record,
      { identity: { ...request.identity, hostName: 'LAB-PC-99' } },
      new Date('2026-02-01T00:00:00Z'),
    );
    expect(next).toMatchObject({
      hostName: 'LAB-PC-99',
      name: 'LAB-PC-99 (alice)',
      onvifPort: 8095,
      updatedAt: '2026-02-01T00:00:00.000Z',
    });
  });

  it('a name set by an administrator survives re-registration', () => {
    const named = { ...record, name: 'Reception', nameSetByAdmin: true };
    expect(refreshLabels(named, { identity: { ...request.identity, hostName: 'X' } }, now)?.name).toBe(
      'Reception',
    );
  });

  it('redaction removes the publish secret', () => {
    expect(redacted(record).publish.password).toBe('');
    expect(JSON.stringify(redacted(record))).not.toContain('s3cret');
  });
});
