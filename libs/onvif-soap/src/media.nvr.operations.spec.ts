import type { SoapExchange } from './soap.endpoint.js';
import { context, endpoint, token } from './test.fixtures.js';

/**
 * The NVR set-up requests as clients write them: ONVIF Device Manager and Synology put every
 * element in its own default namespace; Milestone uses prefixes. Responses carry what the fixed
 * model holds (one source configuration over the desktop, main and sub encoders).
 */

const t = token();
const security =
  `<Security s:mustUnderstand="1" xmlns="${t.wsse}"><UsernameToken><Username>${t.username}</Username>` +
  `<Password Type="${t.digestType}">${t.digest}</Password><Nonce>${t.nonce}</Nonce>` +
  `<Created xmlns="${t.wsu}">${t.created}</Created></UsernameToken></Security>`;
const TRT = 'http://www.onvif.org/ver10/media/wsdl';
const TT = 'http://www.onvif.org/ver10/schema';

function send(
  body: string,
  extraProfiles = [{ token: 'profile_SynoProfile', name: 'SynoProfile' }],
): SoapExchange {
  return endpoint().handle(
    {
      method: 'POST',
      uri: '/onvif/media_service',
      contentType: 'application/soap+xml; charset=utf-8',
      authorization: undefined,
      body:
        `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Header>${security}</s:Header>` +
        `<s:Body xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema">` +
        `${body}</s:Body></s:Envelope>`,
    },
    { ...context(), extraProfiles },
  );
}

const odm = (name: string, inner: string) => `<${name} xmlns="${TRT}">${inner}</${name}>`;
const milestone = (name: string, inner: string) =>
  `<trt:${name} xmlns:trt="${TRT}" xmlns:tt="${TT}">${inner}</trt:${name}>`;
const profile = (token: string) => `<ProfileToken>${token}</ProfileToken>`;
const faultOf = (e: SoapExchange) =>
  [...e.body.matchAll(/<env:Value>ter:(\w+)<\/env:Value>/g)].map((m) => m[1]);

describe('media ver10 for NVRs', () => {
  it('GetCompatibleVideoSourceConfigurations: the one source configuration, used by every profile', () => {
    const e = send(odm('GetCompatibleVideoSourceConfigurations', profile('profile_SynoProfile')));
    expect(e.status).toBe(200);
    expect(e.body).toContain(
      '<trt:Configurations token="desktop-config"><tt:Name>Desktop</tt:Name><tt:UseCount>3</tt:UseCount>',
    );
  });

  it("GetCompatibleVideoEncoderConfigurations: the profile's own encoder (created profiles: main's)", () => {
    const sub = send(odm('GetCompatibleVideoEncoderConfigurations', profile('profile_sub')));
    expect(sub.body).toContain('<trt:Configurations token="encoder_sub">');
    expect(sub.body).not.toContain('encoder_main');
    const created = send(odm('GetCompatibleVideoEncoderConfigurations', profile('profile_SynoProfile')));
    expect(created.body).toContain('<trt:Configurations token="encoder_main">');
    expect(faultOf(send(odm('GetCompatibleVideoEncoderConfigurations', profile('nope'))))).toEqual([
      'InvalidArgVal',
      'NoProfile',
    ]);
  });

  it('GetVideoSourceConfigurationOptions: bounds fixed to the whole desktop, the one source', () => {
    const e = send(
      milestone(
        'GetVideoSourceConfigurationOptions',
        '<trt:ConfigurationToken>desktop-config</trt:ConfigurationToken><trt:ProfileToken>profile_main</trt:ProfileToken>',
      ),
    );
    expect(e.status).toBe(200);
    expect(e.body).toContain('<tt:WidthRange><tt:Min>1920</tt:Min><tt:Max>1920</tt:Max></tt:WidthRange>');
    expect(e.body).toContain('<tt:VideoSourceTokensAvailable>desktop</tt:VideoSourceTokensAvailable>');
    expect(
      faultOf(send(odm('GetVideoSourceConfigurationOptions', '<ConfigurationToken>x</ConfigurationToken>'))),
    ).toEqual(['InvalidArgVal', 'NoConfig']);
  });

  const sourceConfig = (w: number) =>
    `<Configuration token="desktop-config"><Name xmlns="${TT}">Desktop</Name><UseCount xmlns="${TT}">2</UseCount>` +
    `<SourceToken xmlns="${TT}">desktop</SourceToken><Bounds xmlns="${TT}" x="0" y="0" width="${w}" height="1080"/></Configuration>` +
    `<ForcePersistence>true</ForcePersistence>`;

  it('SetVideoSourceConfiguration: the configuration as it is, accepted; a crop, ConfigModify', () => {
    const same = send(odm('SetVideoSourceConfiguration', sourceConfig(1920)));
    expect(same.status).toBe(200);
    expect(same.body).toContain('<trt:SetVideoSourceConfigurationResponse/>');
    const crop = send(odm('SetVideoSourceConfiguration', sourceConfig(1280)));
    expect(faultOf(crop)).toEqual(['InvalidArgVal', 'ConfigModify']);
    expect(crop.body).toContain('whole desktop');
  });

  it('GetGuaranteedNumberOfVideoEncoderInstances: main and sub, H.264', () => {
    const e = send(
      milestone(
        'GetGuaranteedNumberOfVideoEncoderInstances',
        '<trt:ConfigurationToken>desktop-config</trt:ConfigurationToken>',
      ),
    );
    expect(e.body).toContain('<trt:TotalNumber>2</trt:TotalNumber><trt:H264>2</trt:H264>');
  });

  it('GetMetadataConfigurations and GetCompatibleMetadataConfigurations: none', () => {
    expect(send(odm('GetMetadataConfigurations', '')).body).toContain(
      '<trt:GetMetadataConfigurationsResponse/>',
    );
    expect(send(odm('GetCompatibleMetadataConfigurations', profile('profile_main'))).body).toContain(
      '<trt:GetCompatibleMetadataConfigurationsResponse/>',
    );
  });

  it('Remove…Configuration: accepted on a created profile, refused on a fixed one', () => {
    const created = send(odm('RemoveVideoEncoderConfiguration', profile('profile_SynoProfile')));
    expect(created.status).toBe(200);
    const fixed = send(odm('RemoveVideoSourceConfiguration', profile('profile_main')));
    expect(faultOf(fixed)).toEqual(['OperationProhibited', 'FixedProfile']);
  });
});
