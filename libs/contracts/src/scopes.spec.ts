import { cameraScopes } from './scopes.js';

describe('cameraScopes', () => {
  it('builds the one list GetScopes answers and discovery announces, free text in one segment', () => {
    const camera = { name: 'Ann & Bob <lab>', hostName: 'pc 17', mac: '02:aa:bb:cc:dd:ee' };
    expect(cameraScopes(camera, ['Streaming', 'T'])).toEqual([
      'onvif://www.onvif.org/type/video_encoder',
      'onvif://www.onvif.org/Profile/Streaming',
      'onvif://www.onvif.org/Profile/T',
      'onvif://www.onvif.org/name/Ann%20%26%20Bob%20%3Clab%3E',
      'onvif://www.onvif.org/hardware/Desktop%20Camera',
      'onvif://www.onvif.org/location/pc%2017',
      'onvif://www.onvif.org/mac/02:aa:bb:cc:dd:ee',
    ]);
    // Scopes is a whitespace-separated list: no scope may contain a space.
    expect(cameraScopes(camera, []).every((s) => !/\s/.test(s))).toBe(true);
  });
});
