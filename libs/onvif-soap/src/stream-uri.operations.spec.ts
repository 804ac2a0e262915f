import type { SoapExchange } from './soap.endpoint.js';
import { context, endpoint, token } from './test.fixtures.js';

/**
 * GetStreamUri with and without RTSPS served (README "Security model: the edge"): Media1 cannot ask
 * for TLS and gets rtsps:// when it is served; Media2 gets what its Protocol names (RtspsUnicast
 * only when served); Media2's capabilities say SecureRTSPStreaming then.
 */
const t = token();
const security =
  `<Security xmlns="${t.wsse}"><UsernameToken><Username>${t.username}</Username>` +
  `<Password Type="${t.digestType}">${t.digest}</Password><Nonce>${t.nonce}</Nonce>` +
  `<Created xmlns="${t.wsu}">${t.created}</Created></UsernameToken></Security>`;

function send(uri: string, body: string, rtspsPort?: number): SoapExchange {
  const ctx = context();
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
    { ...ctx, endpoint: { ...ctx.endpoint, ...(rtspsPort ? { rtspsPort } : {}) } },
  );
}

const media1 = (rtspsPort?: number) =>
  send(
    '/onvif/media_service',
    `<GetStreamUri xmlns="http://www.onvif.org/ver10/media/wsdl"><StreamSetup>` +
      `<Stream xmlns="http://www.onvif.org/ver10/schema">RTP-Unicast</Stream>` +
      `<Transport xmlns="http://www.onvif.org/ver10/schema"><Protocol>RTSP</Protocol></Transport>` +
      `</StreamSetup><ProfileToken>profile_main</ProfileToken></GetStreamUri>`,
    rtspsPort,
  );
const media2 = (protocol: string, rtspsPort?: number) =>
  send(
    '/onvif/media2_service',
    `<GetStreamUri xmlns="http://www.onvif.org/ver20/media/wsdl"><Protocol>${protocol}</Protocol>` +
      `<ProfileToken>profile_sub</ProfileToken></GetStreamUri>`,
    rtspsPort,
  );
const uriOf = (e: SoapExchange) =>
  /<tt:Uri>([^<]+)<\/tt:Uri>|<tr2:Uri>([^<]+)<\/tr2:Uri>/.exec(e.body)?.slice(1).find(Boolean);
const path = context().camera.paths;

describe('GetStreamUri and RTSPS', () => {
  it('Media1: rtsp:// without RTSPS, rtsps:// on the RTSPS port when it is served', () => {
    expect(uriOf(media1())).toBe(`rtsp://192.168.1.30:8554/${path.main}`);
    expect(uriOf(media1(8322))).toBe(`rtsps://192.168.1.30:8322/${path.main}`);
  });

  it('Media2: RtspsUnicast gets rtsps:// when served; RTSP and RtspUnicast stay plain', () => {
    expect(uriOf(media2('RtspsUnicast', 8322))).toBe(`rtsps://192.168.1.30:8322/${path.sub}`);
    expect(uriOf(media2('RTSP', 8322))).toBe(`rtsp://192.168.1.30:8554/${path.sub}`);
    expect(uriOf(media2('RtspUnicast', 8322))).toBe(`rtsp://192.168.1.30:8554/${path.sub}`);
  });

  it('Media2: RtspsUnicast without RTSPS, and RtspsMulticast, are InvalidStreamSetup faults', () => {
    for (const e of [media2('RtspsUnicast'), media2('RtspsMulticast', 8322)]) {
      expect(e.status).toBe(400);
      expect(e.body).toContain('ter:InvalidStreamSetup');
    }
  });

  it("Media2's capabilities say SecureRTSPStreaming only when RTSPS is served", () => {
    const caps = (rtspsPort?: number) =>
      send(
        '/onvif/media2_service',
        '<GetServiceCapabilities xmlns="http://www.onvif.org/ver20/media/wsdl"/>',
        rtspsPort,
      ).body;
    expect(caps(8322)).toContain('SecureRTSPStreaming="true"');
    expect(caps()).not.toContain('SecureRTSPStreaming');
  });
});
