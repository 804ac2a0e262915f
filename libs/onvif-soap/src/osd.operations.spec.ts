import type { Osd } from '@desk-onvif/contracts';
import type { SoapExchange } from './soap.endpoint.js';
import { CAMERA, context, endpoint, token } from './test.fixtures.js';

/**
 * OSD requests as clients write them: ONVIF Device Manager (Media ver10, default namespaces) and
 * Media2 with prefixes. The effect is the camera's settings with the new overlay list.
 */

const t = token();
const security =
  `<Security s:mustUnderstand="1" xmlns="${t.wsse}"><UsernameToken><Username>${t.username}</Username>` +
  `<Password Type="${t.digestType}">${t.digest}</Password><Nonce>${t.nonce}</Nonce>` +
  `<Created xmlns="${t.wsu}">${t.created}</Created></UsernameToken></Security>`;
const TRT = 'http://www.onvif.org/ver10/media/wsdl';
const TR2 = 'http://www.onvif.org/ver20/media/wsdl';
const TT = 'http://www.onvif.org/ver10/schema';

const CLOCK: Osd = { token: 'osd_1', kind: 'DateAndTime', position: 'UpperLeft', fontSize: 24 };

function send(body: string, osd: Osd[] = [CLOCK], uri = '/onvif/media_service'): SoapExchange {
  return endpoint().handle(
    {
      method: 'POST',
      uri,
      contentType: 'application/soap+xml; charset=utf-8',
      authorization: undefined,
      body:
        `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Header>${security}</s:Header>` +
        `<s:Body>${body}</s:Body></s:Envelope>`,
    },
    { ...context(), camera: { ...CAMERA, settings: { ...CAMERA.settings, osd } } },
  );
}

const odm = (name: string, inner: string) => `<${name} xmlns="${TRT}">${inner}</${name}>`;
const media2 = (name: string, inner: string) =>
  `<tr2:${name} xmlns:tr2="${TR2}" xmlns:tt="${TT}">${inner}</tr2:${name}>`;
const faultOf = (e: SoapExchange) =>
  [...e.body.matchAll(/<env:Value>ter:(\w+)<\/env:Value>/g)].map((m) => m[1]);
const osdsAfter = (e: SoapExchange) =>
  e.effect?.kind === 'settings' ? e.effect.settings.osd : `no settings effect (${e.status})`;

/** ODM's CreateOSD of a plain text, lower right. */
const odmText = (text: string, extra = '') =>
  `<OSD token=""><VideoSourceConfigurationToken xmlns="${TT}">desktop-config</VideoSourceConfigurationToken>` +
  `<Type xmlns="${TT}">Text</Type><Position xmlns="${TT}"><Type>LowerRight</Type></Position>` +
  `<TextString xmlns="${TT}"><Type>Plain</Type><FontSize>40</FontSize>${extra}<PlainText>${text}</PlainText></TextString></OSD>`;

describe('OSD, Media ver10 and Media2', () => {
  it('GetOSDs lists the overlays of the record; GetOSD one of them', () => {
    const e = send(odm('GetOSDs', ''));
    expect(e.status).toBe(200);
    expect(e.body).toContain(
      '<trt:OSDs token="osd_1"><tt:VideoSourceConfigurationToken>desktop-config</tt:VideoSourceConfigurationToken>' +
        '<tt:Type>Text</tt:Type><tt:Position><tt:Type>UpperLeft</tt:Type></tt:Position><tt:TextString><tt:Type>DateAndTime</tt:Type>' +
        '<tt:DateFormat>yyyy-MM-dd</tt:DateFormat><tt:TimeFormat>HH:mm:ss</tt:TimeFormat><tt:FontSize>24</tt:FontSize></tt:TextString></trt:OSDs>',
    );
    expect(send(odm('GetOSD', '<OSDToken>osd_1</OSDToken>')).body).toContain('<trt:OSD token="osd_1">');
    expect(faultOf(send(odm('GetOSD', '<OSDToken>osd_9</OSDToken>')))).toEqual(['InvalidArgVal', 'NoConfig']);
    expect(
      send(media2('GetOSDs', '<tr2:OSDToken>osd_1</tr2:OSDToken>'), [CLOCK], '/onvif/media2_service').body,
    ).toContain('<tr2:OSDs token="osd_1">');
  });

  it('GetOSDOptions: text only, four overlays, the five positions, one date and time format', () => {
    const e = send(odm('GetOSDOptions', '<ConfigurationToken>desktop-config</ConfigurationToken>'));
    expect(e.body).toContain(
      '<tt:MaximumNumberOfOSDs Total="4" PlainText="4" DateAndTime="4"/><tt:Type>Text</tt:Type>',
    );
    expect(e.body).toContain('<tt:PositionOption>Custom</tt:PositionOption>');
    expect(e.body).toContain('<tt:FontSizeRange><tt:Min>8</tt:Min><tt:Max>128</tt:Max></tt:FontSizeRange>');
    expect(faultOf(send(odm('GetOSDOptions', '<ConfigurationToken>other</ConfigurationToken>')))).toEqual([
      'InvalidArgVal',
      'NoConfig',
    ]);
  });

  it('CreateOSD gives a new token and adds the overlay to the settings', () => {
    const e = send(odm('CreateOSD', odmText('Desk 3, floor 2')));
    expect(e.status).toBe(200);
    expect(e.body).toContain(
      '<trt:CreateOSDResponse><trt:OSDToken>osd_2</trt:OSDToken></trt:CreateOSDResponse>',
    );
    expect(osdsAfter(e)).toEqual([
      CLOCK,
      { token: 'osd_2', kind: 'Plain', plainText: 'Desk 3, floor 2', position: 'LowerRight', fontSize: 40 },
    ]);
  });

  it('SetOSD replaces one overlay (Media2, Custom position); DeleteOSD removes it', () => {
    const set = send(
      media2(
        'SetOSD',
        '<tr2:OSD token="osd_1"><tt:VideoSourceConfigurationToken>desktop-config</tt:VideoSourceConfigurationToken>' +
          '<tt:Type>Text</tt:Type><tt:Position><tt:Type>Custom</tt:Type><tt:Pos x="-0.5" y="0.25"/></tt:Position>' +
          '<tt:TextString><tt:Type>Plain</tt:Type><tt:PlainText>Reception</tt:PlainText></tt:TextString></tr2:OSD>',
      ),
      [CLOCK],
      '/onvif/media2_service',
    );
    expect(set.body).toContain('<tr2:SetOSDResponse/>');
    expect(osdsAfter(set)).toEqual([
      {
        token: 'osd_1',
        kind: 'Plain',
        plainText: 'Reception',
        position: 'Custom',
        x: -0.5,
        y: 0.25,
        fontSize: 32,
      },
    ]);
    const del = send(odm('DeleteOSD', '<OSDToken>osd_1</OSDToken>'));
    expect(del.body).toContain('<trt:DeleteOSDResponse/>');
    expect(osdsAfter(del)).toEqual([]);
  });

  it.each([
    ['text ffmpeg would read', odmText("it's 5:00")],
    ['a colour', odmText('Hi', `<FontColor><Color X="1" Y="1" Z="1"/></FontColor>`)],
    ['an image', odmText('Hi').replace('<Type xmlns', '<Type xmlns').replace('>Text<', '>Image<')],
    ['a font too large', odmText('Hi').replace('<FontSize>40', '<FontSize>400')],
    [
      'another date format',
      odmText('Hi').replace(
        '<Type>Plain</Type>',
        '<Type>DateAndTime</Type><DateFormat>MM/dd/yyyy</DateFormat>',
      ),
    ],
  ])('CreateOSD refuses %s with ConfigModify, changing nothing', (_what, osd) => {
    const e = send(odm('CreateOSD', osd));
    expect(faultOf(e)).toEqual(['InvalidArgVal', 'ConfigModify']);
    expect(e.effect).toBeUndefined();
  });

  it('CreateOSD past four overlays: MaxOSDs', () => {
    const four = [1, 2, 3, 4].map((n) => ({ ...CLOCK, token: `osd_${n}` }));
    expect(faultOf(send(odm('CreateOSD', odmText('Hi')), four))).toEqual(['Action', 'MaxOSDs']);
  });
});
