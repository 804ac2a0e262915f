import type { SoapExchange } from './soap.endpoint.js';
import { CAMERA, context, endpoint, token } from './test.fixtures.js';

/** Scope requests as ONVIF Device Manager writes them (default namespaces). */

const t = token();
const security =
  `<Security s:mustUnderstand="1" xmlns="${t.wsse}"><UsernameToken><Username>${t.username}</Username>` +
  `<Password Type="${t.digestType}">${t.digest}</Password><Nonce>${t.nonce}</Nonce>` +
  `<Created xmlns="${t.wsu}">${t.created}</Created></UsernameToken></Security>`;
const TDS = 'http://www.onvif.org/ver10/device/wsdl';

function send(body: string, scopes?: string[]): SoapExchange {
  return endpoint().handle(
    {
      method: 'POST',
      uri: '/onvif/device_service',
      contentType: 'application/soap+xml; charset=utf-8',
      authorization: undefined,
      body:
        `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Header>${security}</s:Header>` +
        `<s:Body>${body}</s:Body></s:Envelope>`,
    },
    { ...context(), camera: { ...CAMERA, ...(scopes ? { scopes } : {}) } },
  );
}

const odm = (name: string, inner: string) => `<${name} xmlns="${TDS}">${inner}</${name}>`;
const items = (tag: string, ...s: string[]) => s.map((x) => `<${tag}>${x}</${tag}>`).join('');
const faultOf = (e: SoapExchange) =>
  [...e.body.matchAll(/<env:Value>ter:(\w+)<\/env:Value>/g)].map((m) => m[1]);
const scopesAfter = (e: SoapExchange) =>
  e.effect?.kind === 'scopes' ? e.effect.scopes : `no effect (${e.status})`;
const NAME = 'onvif://www.onvif.org/name/PC%201';
const LOCATION = 'onvif://www.onvif.org/location/PC-1';

describe('device scopes', () => {
  it('GetScopes: type, profile, hardware and mac fixed; name and location configurable', () => {
    const e = send(odm('GetScopes', ''));
    expect(
      [...e.body.matchAll(/<tt:ScopeDef>(\w+)<\/tt:ScopeDef><tt:ScopeItem>([^<]+)</g)].map(
        (m) => `${m[1]} ${m[2]}`,
      ),
    ).toEqual([
      'Fixed onvif://www.onvif.org/type/video_encoder',
      'Fixed onvif://www.onvif.org/Profile/Streaming',
      'Fixed onvif://www.onvif.org/hardware/Desktop%20Camera',
      'Fixed onvif://www.onvif.org/mac/02:aa:bb:cc:dd:ee',
      `Configurable ${NAME}`,
      `Configurable ${LOCATION}`,
    ]);
  });

  it('SetScopes replaces the configurable scopes', () => {
    const e = send(
      odm(
        'SetScopes',
        items('Scopes', 'onvif://www.onvif.org/name/Reception', 'onvif://www.onvif.org/location/Floor2'),
      ),
    );
    expect(e.body).toContain('<tds:SetScopesResponse/>');
    expect(scopesAfter(e)).toEqual([
      'onvif://www.onvif.org/name/Reception',
      'onvif://www.onvif.org/location/Floor2',
    ]);
  });

  it('AddScopes adds to them, once each', () => {
    const e = send(odm('AddScopes', items('ScopeItem', 'odm:building/B', LOCATION)));
    expect(scopesAfter(e)).toEqual([NAME, LOCATION, 'odm:building/B']);
  });

  it('RemoveScopes removes configurable ones and says which', () => {
    const e = send(odm('RemoveScopes', items('ScopeItem', 'odm:building/B')), [NAME, 'odm:building/B']);
    expect(e.body).toContain(
      '<tds:RemoveScopesResponse><tds:ScopeItem>odm:building/B</tds:ScopeItem></tds:RemoveScopesResponse>',
    );
    expect(scopesAfter(e)).toEqual([NAME]);
  });

  it.each([
    [
      'SetScopes of a fixed scope',
      odm('SetScopes', items('Scopes', 'onvif://www.onvif.org/hardware/Other')),
      ['OperationProhibited', 'ScopeOverwrite'],
    ],
    [
      'AddScopes of a fixed scope',
      odm('AddScopes', items('ScopeItem', 'onvif://www.onvif.org/Profile/T')),
      ['OperationProhibited', 'ScopeOverwrite'],
    ],
    [
      'RemoveScopes of a fixed scope',
      odm('RemoveScopes', items('ScopeItem', 'onvif://www.onvif.org/mac/02:aa:bb:cc:dd:ee')),
      ['OperationProhibited', 'FixedScope'],
    ],
    [
      'RemoveScopes of a scope it lacks',
      odm('RemoveScopes', items('ScopeItem', 'odm:nothing')),
      ['InvalidArgVal', 'NoScope'],
    ],
    [
      'a scope that is not one URI',
      odm('AddScopes', items('ScopeItem', 'no scheme here')),
      ['InvalidArgVal', 'InvalidArgVal'],
    ],
    [
      'too many scopes',
      odm('AddScopes', items('ScopeItem', ...Array.from({ length: 15 }, (_, i) => `odm:x/${i}`))),
      ['Action', 'TooManyScopes'],
    ],
  ])('%s: a fault, nothing changed', (_what, body, fault) => {
    const e = send(body);
    expect(faultOf(e)).toEqual(fault);
    expect(e.effect).toBeUndefined();
  });
});
