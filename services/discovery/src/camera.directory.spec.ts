import { cameraRecord } from '../test/camera.fixture.js';
import { CameraDirectory } from './camera.directory.js';

describe('CameraDirectory', () => {
  const id = '6f1e2d3c-4b5a-5968-8778-695a4b3c2d1e';
  it('says hello when a camera becomes online and discoverable, bye when it stops being so', () => {
    const sut = new CameraDirectory(['Streaming']);
    expect(sut.apply(id, cameraRecord({ online: false }), 1)).toBeUndefined();
    expect(sut.apply(id, cameraRecord(), 1)).toMatchObject({
      type: 'hello',
      camera: { address: `urn:uuid:${id}` },
    });
    expect(sut.apply(id, cameraRecord(), 1)).toBeUndefined();
    expect(sut.apply(id, cameraRecord({ discoveryMode: 'NonDiscoverable' }), 1)).toMatchObject({
      type: 'bye',
    });
    expect(sut.apply(id, cameraRecord({ discoveryMode: 'NonDiscoverable' }), 1)).toBeUndefined();
    sut.apply(id, cameraRecord(), 1);
    expect(sut.apply(id, undefined, 1)).toMatchObject({ type: 'bye' });
    expect(sut.size).toBe(0);
  });
  it('says hello again with a higher MetadataVersion when name or port change', () => {
    const sut = new CameraDirectory(['Streaming']);
    const first = sut.apply(id, cameraRecord(), 7);
    const renamed = sut.apply(id, cameraRecord({ name: 'Back desk' }), 9);
    expect(renamed).toMatchObject({ type: 'hello' });
    expect(renamed?.camera.metadataVersion).toBeGreaterThan(first?.camera.metadataVersion ?? Infinity);
    expect(renamed?.camera.scopes).toContain('onvif://www.onvif.org/name/Back%20desk');
  });
  it('announces the configurable scopes a client set (SetScopes), in place of name and location', () => {
    const sut = new CameraDirectory(['Streaming']);
    sut.apply(id, cameraRecord(), 1);
    const scopes = ['onvif://www.onvif.org/name/Reception', 'odm:building/B'];
    const changed = sut.apply(id, cameraRecord({ scopes }), 2);
    expect(changed).toMatchObject({ type: 'hello' });
    expect(changed?.camera.scopes.slice(-2)).toEqual(scopes);
    expect(changed?.camera.scopes.some((s) => s.includes('/location/'))).toBe(false);
  });
  it('resolves endpoint addresses whatever their case', () => {
    const sut = new CameraDirectory(['Streaming']);
    sut.apply(id, cameraRecord(), 1);
    expect(sut.byAddress(`URN:UUID:${id.toUpperCase()}`)?.id).toBe(id);
    expect(sut.byAddress('urn:uuid:nope')).toBeUndefined();
  });
});
