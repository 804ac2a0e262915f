import { MatchBy, NS } from './namespaces.js';
import { isSupportedRule, scopesMatch, typesMatch } from './scope.match.js';

const offered = [
  'onvif://www.onvif.org/type/video_encoder',
  'onvif://www.onvif.org/Profile/Streaming',
  'onvif://www.onvif.org/name/Front%20desk',
  'onvif://www.onvif.org/location/pc-17',
];

describe('scopesMatch, rfc3986 (WS-Discovery 2005/04 §5.1)', () => {
  const cases: Array<[string, string[], boolean]> = [
    ['no scopes match everything', [], true],
    ['an exact scope', ['onvif://www.onvif.org/Profile/Streaming'], true],
    ['a segment prefix', ['onvif://www.onvif.org/Profile'], true],
    ['the bare authority', ['onvif://www.onvif.org'], true],
    ['a trailing slash adds no segment', ['onvif://www.onvif.org/Profile/'], true],
    ['scheme and authority ignore case', ['ONVIF://WWW.ONVIF.ORG/Profile/Streaming'], true],
    ['path segments keep case', ['onvif://www.onvif.org/profile/streaming'], false],
    ['a string prefix is not a segment prefix', ['onvif://www.onvif.org/Prof'], false],
    ['percent-escapes are decoded before comparing', ['onvif://www.onvif.org/name/Front%20desk'], true],
    ['escaped and unescaped letters are the same', ['onvif://www.onvif.org/location/pc%2D17'], true],
    [
      'every probe scope must match',
      ['onvif://www.onvif.org/Profile/Streaming', 'onvif://www.onvif.org/Profile/G'],
      false,
    ],
    ['a longer path than any offered', ['onvif://www.onvif.org/Profile/Streaming/x'], false],
    ['another authority', ['onvif://example.org/Profile'], false],
    ['dot segments never match', ['onvif://www.onvif.org/Profile/../type'], false],
    ['query and fragment are ignored', ['onvif://www.onvif.org/Profile?x=1#y'], true],
    ['a bad escape never matches', ['onvif://www.onvif.org/name/%zz'], false],
    ['not a URI', ['Streaming'], false],
  ];
  it.each(cases)('%s', (_name, wanted, expected) => {
    expect(scopesMatch(wanted, offered, MatchBy.rfc3986)).toBe(expected);
  });
});

describe('scopesMatch, strcmp0', () => {
  it('matches exact strings only', () => {
    expect(scopesMatch(['onvif://www.onvif.org/Profile/Streaming'], offered, MatchBy.strcmp0)).toBe(true);
    expect(scopesMatch(['onvif://www.onvif.org/Profile'], offered, MatchBy.strcmp0)).toBe(false);
    expect(scopesMatch(['ONVIF://www.onvif.org/Profile/Streaming'], offered, MatchBy.strcmp0)).toBe(false);
  });
  it('refuses rules it does not know', () => {
    expect(isSupportedRule('http://schemas.xmlsoap.org/ws/2005/04/discovery/ldap')).toBe(false);
    expect(
      scopesMatch(['onvif://www.onvif.org'], offered, 'http://schemas.xmlsoap.org/ws/2005/04/discovery/ldap'),
    ).toBe(false);
  });
});

describe('typesMatch', () => {
  const camera = [
    { ns: NS.dn, local: 'NetworkVideoTransmitter' },
    { ns: NS.tds, local: 'Device' },
  ];
  it.each([
    ['none asked', [], true],
    ['dn:NetworkVideoTransmitter', [{ ns: NS.dn, local: 'NetworkVideoTransmitter' }], true],
    ['tds:Device', [{ ns: NS.tds, local: 'Device' }], true],
    ['both', camera, true],
    ['a display', [{ ns: NS.dn, local: 'NetworkVideoDisplay' }], false],
    ['the right name in the wrong namespace', [{ ns: NS.dn, local: 'Device' }], false],
  ])('%s', (_name, wanted, expected) => {
    expect(typesMatch(wanted, camera)).toBe(expected);
  });
});
