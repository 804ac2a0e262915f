import type { SoapCallContext, SoapExchange } from './soap.endpoint.js';
import { CAMERA, context, endpoint, token } from './test.fixtures.js';

/** The imaging service from npm `onvif`'s request shapes (lib/imaging.js): default namespaces. */

const t = token();
const security =
  `<Security s:mustUnderstand="1" xmlns="${t.wsse}"><UsernameToken><Username>${t.username}</Username>` +
  `<Password Type="${t.digestType}">${t.digest}</Password><Nonce>${t.nonce}</Nonce>` +
  `<Created xmlns="${t.wsu}">${t.created}</Created></UsernameToken></Security>`;
const TIMG = 'http://www.onvif.org/ver20/imaging/wsdl';
const TT = 'http://www.onvif.org/ver10/schema';

function send(body: string, ctx: SoapCallContext = context()): SoapExchange {
  return endpoint().handle(
    {
      method: 'POST',
      uri: '/onvif/imaging_service',
      contentType: 'application/soap+xml; charset=utf-8',
      authorization: undefined,
      body:
        `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Header>${security}</s:Header>` +
        `<s:Body xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema">` +
        `${body}</s:Body></s:Envelope>`,
    },
    ctx,
  );
}

const source = (token = 'desktop') => `<VideoSourceToken  xmlns="${TIMG}" >${token}</VideoSourceToken>`;
const setRequest = (settings: string, token = 'desktop') =>
  `<SetImagingSettings xmlns="${TIMG}" >${source(token)}<ImagingSettings xmlns="${TIMG}" >${settings}</ImagingSettings></SetImagingSettings>`;
const faultOf = (e: SoapExchange) =>
  [...e.body.matchAll(/<env:Value>ter:(\w+)<\/env:Value>/g)].map((m) => m[1]);

describe('imaging service', () => {
  it('GetImagingSettings: neutral values before any change, then what the record keeps', () => {
    const neutral = send(`<GetImagingSettings xmlns="${TIMG}" >${source()}</GetImagingSettings>`);
    expect(neutral.status).toBe(200);
    expect(neutral.body).toContain(
      '<timg:ImagingSettings><tt:Brightness>50</tt:Brightness><tt:ColorSaturation>50</tt:ColorSaturation>' +
        '<tt:Contrast>50</tt:Contrast><tt:Sharpness>50</tt:Sharpness></timg:ImagingSettings>',
    );
    const imaging = { brightness: 70, contrast: 40, saturation: 0, sharpness: 100 };
    const ctx = { ...context(), camera: { ...CAMERA, settings: { ...CAMERA.settings, imaging } } };
    const kept = send(`<GetImagingSettings xmlns="${TIMG}" >${source()}</GetImagingSettings>`, ctx);
    expect(kept.body).toContain(
      '<tt:Brightness>70</tt:Brightness><tt:ColorSaturation>0</tt:ColorSaturation>',
    );
  });

  it('GetOptions: the four ranges, 0-100', () => {
    const e = send(`<GetOptions xmlns="${TIMG}"><VideoSourceToken>desktop</VideoSourceToken></GetOptions>`);
    expect(e.status).toBe(200);
    for (const tag of ['Brightness', 'ColorSaturation', 'Contrast', 'Sharpness'])
      expect(e.body).toContain(`<tt:${tag}><tt:Min>0</tt:Min><tt:Max>100</tt:Max></tt:${tag}>`);
  });

  it('SetImagingSettings: the given values over the current ones, as an encoder settings change', () => {
    const e = send(
      setRequest(
        `<Brightness xmlns="${TT}">80</Brightness><ColorSaturation xmlns="${TT}">25.5</ColorSaturation>`,
      ),
    );
    expect(e.status).toBe(200);
    expect(e.body).toContain('<timg:SetImagingSettingsResponse/>');
    expect(e.effect).toEqual({
      kind: 'settings',
      settings: {
        ...CAMERA.settings,
        imaging: { brightness: 80, contrast: 50, saturation: 25.5, sharpness: 50 },
      },
    });
  });

  it.each([
    ['out of range', `<Brightness xmlns="${TT}">101</Brightness>`, /Brightness must lie within 0-100/],
    [
      'not a number',
      `<Contrast xmlns="${TT}">bright</Contrast>`,
      /Contrast: &quot;bright&quot; is not a number/,
    ],
    [
      'a setting a desktop lacks',
      `<Exposure xmlns="${TT}"><Mode xmlns="${TT}">AUTO</Mode></Exposure>`,
      /Exposure cannot be adjusted/,
    ],
  ])('SetImagingSettings %s: SettingsInvalid, nothing changes', (_what, settings, reason) => {
    const e = send(setRequest(settings));
    expect(e.status).toBe(400);
    expect(faultOf(e)).toEqual(['InvalidArgVal', 'SettingsInvalid']);
    expect(e.body).toMatch(reason);
    expect(e.effect).toBeUndefined();
  });

  it('an unknown video source: NoSource', () => {
    const e = send(`<GetImagingSettings xmlns="${TIMG}" >${source('camera9')}</GetImagingSettings>`);
    expect(faultOf(e)).toEqual(['InvalidArgVal', 'NoSource']);
  });

  it('GetMoveOptions: no focus to move, ActionNotSupported', () => {
    const e = send(`<GetMoveOptions xmlns="${TIMG}">${source()}</GetMoveOptions>`);
    expect(e.status).toBe(500);
    expect(faultOf(e)).toEqual(['ActionNotSupported']);
  });

  it('a User may read the settings but not change them', () => {
    const viewer = token('viewer');
    const e = endpoint().handle(
      {
        method: 'POST',
        uri: '/onvif/imaging_service',
        contentType: 'application/soap+xml',
        authorization: undefined,
        body:
          `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Header>` +
          `<Security xmlns="${viewer.wsse}"><UsernameToken><Username>viewer</Username>` +
          `<Password Type="${viewer.digestType}">${viewer.digest}</Password><Nonce>${viewer.nonce}</Nonce>` +
          `<Created xmlns="${viewer.wsu}">${viewer.created}</Created></UsernameToken></Security></s:Header>` +
          `<s:Body>${setRequest(`<Brightness xmlns="${TT}">80</Brightness>`)}</s:Body></s:Envelope>`,
      },
      context(),
    );
    expect(faultOf(e)).toEqual(['NotAuthorized']);
    expect(e.effect).toBeUndefined();
  });
});
