import { Ns } from './namespaces.js';
import { context, endpoint, NOW, token } from './test.fixtures.js';

/** SoapEndpoint end to end on strings: access classes per level, and what it refuses before dispatch. */

function call(user: string | undefined, body: string, opts: { contentType?: string; soap?: string } = {}) {
  const t = token(user);
  const header = user
    ? `<s:Header><wsse:Security xmlns:wsse="${t.wsse}" xmlns:wsu="${t.wsu}"><wsse:UsernameToken><wsse:Username>${user}</wsse:Username>` +
      `<wsse:Password Type="${t.digestType}">${t.digest}</wsse:Password><wsse:Nonce>${t.nonce}</wsse:Nonce>` +
      `<wsu:Created>${t.created}</wsu:Created></wsse:UsernameToken></wsse:Security></s:Header>`
    : '';
  const xml = `<s:Envelope xmlns:s="${opts.soap ?? Ns.soap12}" xmlns:tds="${Ns.device}" xmlns:trt="${Ns.media}" xmlns:tt="${Ns.schema}">${header}<s:Body>${body}</s:Body></s:Envelope>`;
  return endpoint().handle(
    {
      method: 'POST',
      uri: '/onvif/device_service',
      contentType: opts.contentType ?? 'application/soap+xml',
      authorization: undefined,
      body: xml,
    },
    context(),
  );
}

describe('user levels (ONVIF Core 5.9.4.3)', () => {
  const ops: [string, string][] = [
    ['GetSystemDateAndTime', '<tds:GetSystemDateAndTime/>'],
    ['GetProfiles', '<trt:GetProfiles/>'],
    ['GetDeviceInformation', '<tds:GetDeviceInformation/>'],
    [
      'SetVideoEncoderConfiguration',
      '<trt:SetVideoEncoderConfiguration><trt:Configuration token="encoder_sub"/></trt:SetVideoEncoderConfiguration>',
    ],
    ['GetUsers', '<tds:GetUsers/>'],
    [
      'CreateUsers',
      '<tds:CreateUsers><tds:User><tt:Username>z</tt:Username><tt:Password>zzzzzzzz</tt:Password><tt:UserLevel>User</tt:UserLevel></tds:User></tds:CreateUsers>',
    ],
    ['SystemReboot', '<tds:SystemReboot/>'],
  ];
  // Expected HTTP status per caller, in the order of `ops`.
  const table: [string, number[]][] = [
    ['anonymous', [200, 401, 401, 401, 401, 401, 401]],
    ['viewer', [200, 200, 200, 400, 400, 400, 400]],
    ['operator', [200, 200, 200, 200, 400, 400, 400]],
    ['admin', [200, 200, 200, 200, 200, 200, 200]],
  ];
  test.each(table)('%s', (who, statuses) => {
    const got = ops.map(([, body]) => call(who === 'anonymous' ? undefined : who, body).status);
    expect(got).toEqual(statuses);
  });

  test('a refused level is NotAuthorized, counted as such', () => {
    const reply = call('viewer', '<tds:SystemReboot/>');
    expect(reply.body).toContain('ter:NotAuthorized');
    expect(reply.authFailure).toBe('level');
    expect(reply.effect).toBeUndefined();
  });

  test('an allowed change comes back as an effect for the service to carry out', () => {
    const reply = call('admin', '<tds:SystemReboot/>');
    expect(reply.effect).toEqual({ kind: 'reboot' });
    expect(reply.caller).toEqual({ username: 'admin', level: 'Administrator' });
  });
});

describe('refused before dispatch', () => {
  test.each([
    [
      'a SOAP 1.1 envelope as application/soap+xml',
      () => call(undefined, '<tds:GetSystemDateAndTime/>', { soap: Ns.soap11 }),
      500,
      'env:VersionMismatch',
    ],
    [
      'a content type that is not SOAP',
      () => call(undefined, '<tds:GetSystemDateAndTime/>', { contentType: 'application/json' }),
      415,
      'ter:WellFormed',
    ],
  ] as const)('%s', (_name, run, status, contains) => {
    const reply = run();
    expect(reply.status).toBe(status);
    expect(reply.body).toContain(contains);
  });

  test('mustUnderstand on an unknown header block is a MustUnderstand fault', () => {
    const xml =
      `<s:Envelope xmlns:s="${Ns.soap12}"><s:Header><x:Trace xmlns:x="urn:x" s:mustUnderstand="true"/></s:Header>` +
      `<s:Body><GetSystemDateAndTime xmlns="${Ns.device}"/></s:Body></s:Envelope>`;
    const reply = endpoint().handle(
      { method: 'POST', uri: '/', contentType: 'application/soap+xml', authorization: undefined, body: xml },
      context(),
    );
    expect(reply.status).toBe(500);
    expect(reply.body).toContain('env:MustUnderstand');
  });

  test('GetSystemDateAndTime gives true UTC', () => {
    const reply = call(undefined, '<tds:GetSystemDateAndTime/>');
    expect(reply.body).toContain(
      `<tt:UTCDateTime><tt:Time><tt:Hour>${NOW.getUTCHours()}</tt:Hour><tt:Minute>0</tt:Minute><tt:Second>0</tt:Second></tt:Time>`,
    );
  });
});
