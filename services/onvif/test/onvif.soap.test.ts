import { cameraSubjects, encodeJson, Registry, call, type CameraRecord } from '@desk-onvif/contracts';
import { waitFor } from '@desk-onvif/test-support';
import type { Subscription } from '@nats-io/transport-node';
import { Ns } from '@desk-onvif/onvif-soap';
import {
  digestAuthorization,
  envelope,
  keep,
  op,
  OnvifRig,
  postSoap,
  subcodes,
  type Credentials,
} from './onvif.rig.js';

/** Every operation over real HTTP against the real service, SOAP 1.2 and 1.1, all responses kept. */

const admin: Credentials = { username: 'admin', password: 'admin-password-1' };
let rig: OnvifRig;
let camera: CameraRecord;
let agent: Subscription;
const settingsRequests: unknown[] = [];

beforeAll(async () => {
  rig = await OnvifRig.start();
  camera = await rig.camera('soap-host-1');
  // The camera's agent on NATS: accepts any settings it is sent.
  agent = rig.nc.subscribe(cameraSubjects(camera.id).settings.subject, {
    callback: (_err, msg) => {
      const req = JSON.parse(new TextDecoder().decode(msg.data)) as { settings: unknown };
      settingsRequests.push(req.settings);
      msg.respond(encodeJson({ ok: true, settings: req.settings }));
    },
  });
});

afterAll(async () => {
  agent?.unsubscribe();
  await rig?.dispose();
});

async function soap(
  name: string,
  body: string,
  creds: Credentials | null = admin,
  version: '1.1' | '1.2' = '1.2',
) {
  const reply = await postSoap(camera.onvifPort, envelope(body, { ...(creds ? { creds } : {}), version }), {
    contentType: version === '1.1' ? 'text/xml; charset=utf-8' : 'application/soap+xml; charset=utf-8',
  });
  keep(name, reply.body);
  return reply;
}

const profileMain = '<trt:ProfileToken>profile_main</trt:ProfileToken>';

describe('every operation answers with a schema-valid response', () => {
  const table: [string, string, string][] = [
    ['device GetSystemDateAndTime', op('tds', 'GetSystemDateAndTime'), '<tt:UTCDateTime>'],
    [
      'device GetCapabilities',
      op('tds', 'GetCapabilities', '<tds:Category>All</tds:Category>'),
      '/onvif/media_service',
    ],
    [
      'device GetServices',
      op('tds', 'GetServices', '<tds:IncludeCapability>true</tds:IncludeCapability>'),
      'ver20/media/wsdl',
    ],
    ['device GetServiceCapabilities', op('tds', 'GetServiceCapabilities'), 'UsernameToken="true"'],
    ['device GetDeviceInformation', op('tds', 'GetDeviceInformation'), '<tds:SerialNumber>DO-'],
    ['device GetScopes', op('tds', 'GetScopes'), 'onvif://www.onvif.org/mac/'],
    ['device GetHostname', op('tds', 'GetHostname'), '<tt:Name>PC-soap-host-1</tt:Name>'],
    ['device GetNetworkInterfaces', op('tds', 'GetNetworkInterfaces'), '<tt:HwAddress>02:'],
    ['device GetNetworkProtocols', op('tds', 'GetNetworkProtocols'), '<tt:Name>RTSP</tt:Name>'],
    ['device GetDNS', op('tds', 'GetDNS'), '<tds:DNSInformation>'],
    ['device GetNTP', op('tds', 'GetNTP'), '<tds:NTPInformation>'],
    ['device GetDiscoveryMode', op('tds', 'GetDiscoveryMode'), 'Discoverable'],
    ['device GetWsdlUrl', op('tds', 'GetWsdlUrl'), '<tds:WsdlUrl>'],
    ['device GetEndpointReference', op('tds', 'GetEndpointReference'), '<tds:GUID>urn:uuid:'],
    ['device GetUsers', op('tds', 'GetUsers'), '<tt:Username>admin</tt:Username>'],
    ['media GetServiceCapabilities', op('trt', 'GetServiceCapabilities'), 'SnapshotUri="true"'],
    ['media GetProfiles', op('trt', 'GetProfiles'), '<tt:RateControl>'],
    ['media GetProfile', op('trt', 'GetProfile', profileMain), 'token="profile_main"'],
    ['media GetVideoSources', op('trt', 'GetVideoSources'), '<tt:Framerate>'],
    ['media GetVideoSourceConfigurations', op('trt', 'GetVideoSourceConfigurations'), '<tt:SourceToken>'],
    [
      'media GetVideoSourceConfiguration',
      op(
        'trt',
        'GetVideoSourceConfiguration',
        '<trt:ConfigurationToken>desktop-config</trt:ConfigurationToken>',
      ),
      '<tt:Bounds',
    ],
    ['media GetVideoEncoderConfigurations', op('trt', 'GetVideoEncoderConfigurations'), 'encoder_sub'],
    [
      'media GetVideoEncoderConfiguration',
      op(
        'trt',
        'GetVideoEncoderConfiguration',
        '<trt:ConfigurationToken>encoder_main</trt:ConfigurationToken>',
      ),
      '<tt:GovLength>',
    ],
    [
      'media GetVideoEncoderConfigurationOptions',
      op(
        'trt',
        'GetVideoEncoderConfigurationOptions',
        '<trt:ConfigurationToken>encoder_sub</trt:ConfigurationToken>',
      ),
      '<tt:BitrateRange>',
    ],
    [
      'media GetStreamUri',
      op(
        'trt',
        'GetStreamUri',
        `<trt:StreamSetup><tt:Stream>RTP-Unicast</tt:Stream><tt:Transport><tt:Protocol>RTSP</tt:Protocol></tt:Transport></trt:StreamSetup>${profileMain}`,
      ),
      '/main</tt:Uri>',
    ],
    ['media GetSnapshotUri', op('trt', 'GetSnapshotUri', profileMain), '/onvif/snapshot?stream=main'],
    ['media2 GetServiceCapabilities', op('tr2', 'GetServiceCapabilities'), 'RTSPStreaming="true"'],
    ['media2 GetProfiles', op('tr2', 'GetProfiles', '<tr2:Type>All</tr2:Type>'), '<tr2:VideoEncoder'],
    [
      'media2 GetStreamUri',
      op(
        'tr2',
        'GetStreamUri',
        '<tr2:Protocol>RtspUnicast</tr2:Protocol><tr2:ProfileToken>profile_sub</tr2:ProfileToken>',
      ),
      '/sub</tr2:Uri>',
    ],
    [
      'media2 GetSnapshotUri',
      op('tr2', 'GetSnapshotUri', '<tr2:ProfileToken>profile_sub</tr2:ProfileToken>'),
      'stream=sub',
    ],
    ['media2 GetVideoSourceConfigurations', op('tr2', 'GetVideoSourceConfigurations'), '<tt:SourceToken>'],
    ['media2 GetVideoEncoderConfigurations', op('tr2', 'GetVideoEncoderConfigurations'), 'GovLength='],
  ];

  test.each(table)('%s', async (name, body, expected) => {
    const reply = await soap(name, body);
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toMatch(/^application\/soap\+xml/);
    expect(reply.body).toContain(expected);
  });

  test('without HTTPS the camera claims Profile S only, never Profile T', async () => {
    const reply = await soap('device GetScopes plain', op('tds', 'GetScopes'));
    expect(reply.body).toContain('onvif://www.onvif.org/Profile/Streaming');
    expect(reply.body).not.toContain('onvif://www.onvif.org/Profile/T');
  });

  test('SOAP 1.1 requests are answered in SOAP 1.1 (ZoneMinder RTP_unicast)', async () => {
    const caps = await soap('soap11 GetCapabilities', op('tds', 'GetCapabilities'), admin, '1.1');
    expect(caps.status).toBe(200);
    expect(caps.headers['content-type']).toMatch(/^text\/xml/);
    expect(caps.body).toContain('http://schemas.xmlsoap.org/soap/envelope/');
    const uri = await soap(
      'soap11 GetStreamUri RTP_unicast',
      op(
        'trt',
        'GetStreamUri',
        `<trt:StreamSetup><tt:Stream>RTP_unicast</tt:Stream><tt:Transport><tt:Protocol>RTSP</tt:Protocol></tt:Transport></trt:StreamSetup>${profileMain}`,
      ),
      admin,
      '1.1',
    );
    expect(uri.status).toBe(200);
    expect(uri.body).toContain(`rtsp://127.0.0.1:8554/${camera.paths.main}`);
    const fault = await soap('soap11 unknown', op('tds', 'GetRelayOutputs'), admin, '1.1');
    expect(fault.status).toBe(500);
    expect(fault.body).toContain('<faultcode>env:Server</faultcode>');
    expect(fault.body).toContain('ter:ActionNotSupported');
  });

  test('user management round trip: CreateUsers, GetUsers, SetUser, DeleteUsers', async () => {
    const user = (name: string, password: string, level: string) =>
      `<tds:User><tt:Username>${name}</tt:Username><tt:Password>${password}</tt:Password><tt:UserLevel>${level}</tt:UserLevel></tds:User>`;
    expect(
      (await soap('device CreateUsers', op('tds', 'CreateUsers', user('bob', 'bob-password-1', 'User'))))
        .status,
    ).toBe(200);
    expect((await soap('device GetUsers after create', op('tds', 'GetUsers'))).body).toContain(
      '<tt:Username>bob</tt:Username>',
    );
    const clash = await soap(
      'fault UsernameClash',
      op('tds', 'CreateUsers', user('bob', 'bob-password-1', 'User')),
    );
    expect(subcodes(clash.body)).toEqual(['OperationProhibited', 'UsernameClash']);
    expect(
      (await soap('device SetUser', op('tds', 'SetUser', user('bob', 'bob-password-2', 'Operator')))).status,
    ).toBe(200);
    // bob's new password works, and he is an Operator now.
    const asBob = await soap('bob GetUsers refused', op('tds', 'GetUsers'), {
      username: 'bob',
      password: 'bob-password-2',
    });
    expect(subcodes(asBob.body)).toEqual(['NotAuthorized']);
    expect(
      (
        await soap('bob GetProfiles', op('trt', 'GetProfiles'), {
          username: 'bob',
          password: 'bob-password-2',
        })
      ).status,
    ).toBe(200);
    expect(
      (await soap('device DeleteUsers', op('tds', 'DeleteUsers', '<tds:Username>bob</tds:Username>'))).status,
    ).toBe(200);
    expect((await soap('device GetUsers after delete', op('tds', 'GetUsers'))).body).not.toContain('bob');
    const last = await soap(
      'fault FixedUser',
      op('tds', 'DeleteUsers', '<tds:Username>admin</tds:Username>'),
    );
    expect(subcodes(last.body)).toEqual(['OperationProhibited', 'FixedUser']);
  });

  test('Synology: CreateProfile, AddVideoEncoderConfiguration, GetStreamUri, DeleteProfile; unauthenticated CreateProfile faults', async () => {
    const created = await soap(
      'media CreateProfile',
      op('trt', 'CreateProfile', '<trt:Name>SynoProfile</trt:Name>'),
    );
    expect(created.status).toBe(200);
    expect(created.body).toContain('token="profile_SynoProfile"');
    const token = '<trt:ProfileToken>profile_SynoProfile</trt:ProfileToken>';
    const add = await soap(
      'media AddVideoEncoderConfiguration',
      op(
        'trt',
        'AddVideoEncoderConfiguration',
        `${token}<trt:ConfigurationToken>encoder_main</trt:ConfigurationToken>`,
      ),
    );
    expect(add.status).toBe(200);
    expect((await soap('media GetProfiles with SynoProfile', op('trt', 'GetProfiles'))).body).toContain(
      'SynoProfile',
    );
    const uri = await soap('media GetStreamUri SynoProfile', op('trt', 'GetStreamUri', token));
    expect(uri.body).toContain('/main</tt:Uri>');
    const anonymous = await soap(
      'fault CreateProfile without credentials',
      op('trt', 'CreateProfile', '<trt:Name>SynoProfile2</trt:Name>'),
      null,
    );
    expect(anonymous.status).toBe(401);
    expect(subcodes(anonymous.body)).toEqual(['NotAuthorized']);
    expect((await soap('media DeleteProfile', op('trt', 'DeleteProfile', token))).status).toBe(200);
    const fixed = await soap('fault DeletionOfFixedProfile', op('trt', 'DeleteProfile', profileMain));
    expect(subcodes(fixed.body)).toEqual(['OperationProhibited', 'DeletionOfFixedProfile']);
  });

  test('NVR set-up: compatible configurations, source options, encoder instances, metadata', async () => {
    const main = '<trt:ProfileToken>profile_main</trt:ProfileToken>';
    const config = '<trt:ConfigurationToken>desktop-config</trt:ConfigurationToken>';
    const calls: [string, string][] = [
      ['GetCompatibleVideoSourceConfigurations', main],
      ['GetCompatibleVideoEncoderConfigurations', main],
      ['GetVideoSourceConfigurationOptions', config],
      ['GetGuaranteedNumberOfVideoEncoderInstances', config],
      ['GetMetadataConfigurations', ''],
      ['GetCompatibleMetadataConfigurations', main],
      [
        'SetVideoSourceConfiguration',
        `<trt:Configuration token="desktop-config"><tt:Name>Desktop</tt:Name><tt:UseCount>2</tt:UseCount>` +
          `<tt:SourceToken>desktop</tt:SourceToken><tt:Bounds x="0" y="0" width="${camera.settings.main.width}" ` +
          `height="${camera.settings.main.height}"/></trt:Configuration><trt:ForcePersistence>true</trt:ForcePersistence>`,
      ],
    ];
    for (const [name, inner] of calls) {
      const reply = await soap(`media ${name}`, op('trt', name, inner));
      expect({ name, status: reply.status }).toEqual({ name, status: 200 });
    }
    const fixed = await soap('fault FixedProfile', op('trt', 'RemoveVideoEncoderConfiguration', main));
    expect(subcodes(fixed.body)).toEqual(['OperationProhibited', 'FixedProfile']);
  });

  test('a created profile is kept in KV: it survives an onvif restart, and its deletion too', async () => {
    const created = await soap(
      'media CreateProfile',
      op('trt', 'CreateProfile', '<trt:Name>NvrKept</trt:Name>'),
    );
    expect(created.status).toBe(200);
    await rig.onvif.restart();
    await rig.listening(camera.onvifPort);
    const after = await soap('media GetProfiles after restart', op('trt', 'GetProfiles'));
    expect(after.body).toContain('token="profile_NvrKept" fixed="false"');
    const token = '<trt:ProfileToken>profile_NvrKept</trt:ProfileToken>';
    expect((await soap('media DeleteProfile', op('trt', 'DeleteProfile', token))).status).toBe(200);
    await rig.onvif.restart();
    await rig.listening(camera.onvifPort);
    const gone = await soap('fault NoProfile after restart', op('trt', 'GetProfile', token));
    expect(subcodes(gone.body)).toEqual(['InvalidArgVal', 'NoProfile']);
  });

  test('SetVideoEncoderConfiguration reaches the agent and the registry record', async () => {
    const config =
      `<trt:Configuration token="encoder_main"><tt:Name>Main</tt:Name><tt:UseCount>1</tt:UseCount><tt:Encoding>H264</tt:Encoding>` +
      `<tt:Resolution><tt:Width>1280</tt:Width><tt:Height>720</tt:Height></tt:Resolution><tt:Quality>5</tt:Quality>` +
      `<tt:RateControl><tt:FrameRateLimit>10</tt:FrameRateLimit><tt:EncodingInterval>1</tt:EncodingInterval><tt:BitrateLimit>2000</tt:BitrateLimit></tt:RateControl>` +
      `</trt:Configuration><trt:ForcePersistence>true</trt:ForcePersistence>`;
    const reply = await soap(
      'media SetVideoEncoderConfiguration',
      op('trt', 'SetVideoEncoderConfiguration', config),
    );
    expect(reply.status).toBe(200);
    expect(settingsRequests.at(-1)).toMatchObject({
      main: { width: 1280, height: 720, fps: 10, bitrateKbps: 2000 },
    });
    const { camera: stored } = await call(rig.nc, Registry.get, { id: camera.id });
    expect(stored.settings.main).toMatchObject({ width: 1280, height: 720, fps: 10, bitrateKbps: 2000 });
    await waitFor('the new resolution in GetProfiles', async () =>
      (await soap('media GetProfiles after Set', op('trt', 'GetProfiles'))).body.includes(
        '<tt:Width>1280</tt:Width>',
      ),
    );
    const bad = config.replace('<tt:Width>1280', '<tt:Width>99999');
    const refused = await soap('fault ConfigModify', op('trt', 'SetVideoEncoderConfiguration', bad));
    expect(subcodes(refused.body)).toEqual(['InvalidArgVal', 'ConfigModify']);
  });

  test('imaging: advertised, options, SetImagingSettings reaches the agent and the record', async () => {
    const services = await soap(
      'device GetServices with imaging',
      op('tds', 'GetServices', '<tds:IncludeCapability>true</tds:IncludeCapability>'),
    );
    expect(services.body).toContain(`<tds:Namespace>${Ns.imaging}</tds:Namespace>`);
    const caps = await soap(
      'device GetCapabilities Imaging',
      op('tds', 'GetCapabilities', '<tds:Category>Imaging</tds:Category>'),
    );
    expect(caps.body).toContain(
      `<tt:Imaging><tt:XAddr>http://127.0.0.1:${camera.onvifPort}/onvif/imaging_service</tt:XAddr>`,
    );
    expect((await soap('imaging GetServiceCapabilities', op('timg', 'GetServiceCapabilities'))).status).toBe(
      200,
    );
    const source = '<timg:VideoSourceToken>desktop</timg:VideoSourceToken>';
    const options = await soap('imaging GetOptions', op('timg', 'GetOptions', source));
    expect(options.body).toContain('<tt:Brightness><tt:Min>0</tt:Min><tt:Max>100</tt:Max></tt:Brightness>');
    const set = await soap(
      'imaging SetImagingSettings',
      op(
        'timg',
        'SetImagingSettings',
        `${source}<timg:ImagingSettings><tt:Brightness>80</tt:Brightness><tt:Sharpness>20</tt:Sharpness>` +
          `</timg:ImagingSettings><timg:ForcePersistence>true</timg:ForcePersistence>`,
      ),
    );
    expect(set.status).toBe(200);
    const imaging = { brightness: 80, contrast: 50, saturation: 50, sharpness: 20 };
    expect(settingsRequests.at(-1)).toMatchObject({ imaging });
    const { camera: stored } = await call(rig.nc, Registry.get, { id: camera.id });
    expect(stored.settings.imaging).toEqual(imaging);
    await waitFor('the new brightness in GetImagingSettings', async () =>
      (await soap('imaging GetImagingSettings', op('timg', 'GetImagingSettings', source))).body.includes(
        '<tt:Brightness>80</tt:Brightness>',
      ),
    );
    const refused = await soap(
      'fault SettingsInvalid',
      op(
        'timg',
        'SetImagingSettings',
        `${source}<timg:ImagingSettings><tt:Contrast>101</tt:Contrast></timg:ImagingSettings>`,
      ),
    );
    expect(subcodes(refused.body)).toEqual(['InvalidArgVal', 'SettingsInvalid']);
    const move = await soap('fault GetMoveOptions', op('timg', 'GetMoveOptions', source));
    expect(subcodes(move.body)).toEqual(['ActionNotSupported']);
  });

  test('OSD: Media ver10 and Media2 create, list, change and delete overlays; the agent and the record get them', async () => {
    const stored = async () =>
      (await call(rig.nc, Registry.get, { id: camera.id })).camera.settings.osd ?? [];
    for (const [name, body] of [
      ['media GetServiceCapabilities', op('trt', 'GetServiceCapabilities')],
      ['media2 GetServiceCapabilities', op('tr2', 'GetServiceCapabilities')],
    ] as const)
      expect((await soap(`${name} (OSD)`, body)).body).toContain('OSD="true"');
    const config = (p: string) => `<${p}:ConfigurationToken>desktop-config</${p}:ConfigurationToken>`;
    for (const p of ['trt', 'tr2'] as const) {
      const options = await soap(`${p} GetOSDOptions`, op(p, 'GetOSDOptions', config(p)));
      expect(options.body).toContain('<tt:TextOption><tt:Type>Plain</tt:Type><tt:Type>DateAndTime</tt:Type>');
    }
    const osd = (p: string, token: string, position: string, text: string) =>
      `<${p}:OSD token="${token}"><tt:VideoSourceConfigurationToken>desktop-config</tt:VideoSourceConfigurationToken>` +
      `<tt:Type>Text</tt:Type><tt:Position><tt:Type>${position}</tt:Type></tt:Position><tt:TextString>${text}</tt:TextString></${p}:OSD>`;
    const created = await soap(
      'media CreateOSD',
      op(
        'trt',
        'CreateOSD',
        osd(
          'trt',
          '',
          'UpperLeft',
          '<tt:Type>Plain</tt:Type><tt:FontSize>20</tt:FontSize><tt:PlainText>Front desk</tt:PlainText>',
        ),
      ),
    );
    expect(created.body).toContain('<trt:OSDToken>osd_1</trt:OSDToken>');
    const front = {
      token: 'osd_1',
      kind: 'Plain',
      plainText: 'Front desk',
      position: 'UpperLeft',
      fontSize: 20,
    };
    expect(settingsRequests.at(-1)).toMatchObject({ osd: [front] });
    await waitFor('the OSD in the record', async () => (await stored()).length === 1);
    const clock = await soap(
      'media2 CreateOSD',
      op(
        'tr2',
        'CreateOSD',
        osd(
          'tr2',
          '',
          'LowerRight',
          '<tt:Type>DateAndTime</tt:Type><tt:DateFormat>yyyy-MM-dd</tt:DateFormat><tt:TimeFormat>HH:mm:ss</tt:TimeFormat>',
        ),
      ),
    );
    expect(clock.body).toContain('<tr2:OSDToken>osd_2</tr2:OSDToken>');
    await waitFor('two OSDs in the record', async () => (await stored()).length === 2);
    await waitFor('both in GetOSDs', async () => {
      const list = await soap('media GetOSDs', op('trt', 'GetOSDs'));
      return list.body.includes('<trt:OSDs token="osd_1">') && list.body.includes('<trt:OSDs token="osd_2">');
    });
    expect(
      (await soap('media GetOSD', op('trt', 'GetOSD', '<trt:OSDToken>osd_2</trt:OSDToken>'))).body,
    ).toContain('<tt:Type>DateAndTime</tt:Type>');
    const set = await soap(
      'media2 SetOSD',
      op(
        'tr2',
        'SetOSD',
        osd('tr2', 'osd_1', 'LowerLeft', '<tt:Type>Plain</tt:Type><tt:PlainText>Back office</tt:PlainText>'),
      ),
    );
    expect(set.status).toBe(200);
    await waitFor('the new text in media2 GetOSDs', async () =>
      (
        await soap('media2 GetOSDs', op('tr2', 'GetOSDs', '<tr2:OSDToken>osd_1</tr2:OSDToken>'))
      ).body.includes('<tt:PlainText>Back office</tt:PlainText>'),
    );
    const refused = await soap(
      'fault OSD ConfigModify',
      op(
        'trt',
        'CreateOSD',
        osd('trt', '', 'UpperLeft', "<tt:Type>Plain</tt:Type><tt:PlainText>it's 5:00</tt:PlainText>"),
      ),
    );
    expect(subcodes(refused.body)).toEqual(['InvalidArgVal', 'ConfigModify']);
    expect(
      (await soap('media DeleteOSD', op('trt', 'DeleteOSD', '<trt:OSDToken>osd_1</trt:OSDToken>'))).status,
    ).toBe(200);
    await waitFor('one OSD left in the record', async () => (await stored()).length === 1);
    expect(
      (await soap('media2 DeleteOSD', op('tr2', 'DeleteOSD', '<tr2:OSDToken>osd_2</tr2:OSDToken>'))).status,
    ).toBe(200);
    await waitFor('no OSD left', async () => (await stored()).length === 0);
    const gone = await soap('fault OSD NoConfig', op('trt', 'GetOSD', '<trt:OSDToken>osd_1</trt:OSDToken>'));
    expect(subcodes(gone.body)).toEqual(['InvalidArgVal', 'NoConfig']);
  });

  test('scopes: SetScopes, AddScopes and RemoveScopes change the record, which GetScopes (and discovery) read', async () => {
    const stored = async () => (await call(rig.nc, Registry.get, { id: camera.id })).camera.scopes;
    const configurable = async () =>
      [
        ...(await soap('device GetScopes configurable', op('tds', 'GetScopes'))).body.matchAll(
          /<tt:ScopeDef>Configurable<\/tt:ScopeDef><tt:ScopeItem>([^<]+)</g,
        ),
      ].map((m) => m[1]);
    const item = (tag: string, s: string) => `<tds:${tag}>${s}</tds:${tag}>`;
    const name = 'onvif://www.onvif.org/name/Reception';
    const set = await soap(
      'device SetScopes',
      op('tds', 'SetScopes', item('Scopes', name) + item('Scopes', 'onvif://www.onvif.org/location/Floor2')),
    );
    expect(set.status).toBe(200);
    await waitFor('the scopes in the record', async () => (await stored())?.length === 2);
    await waitFor('the scopes in GetScopes', async () => (await configurable()).includes(name));
    expect(
      (await soap('device AddScopes', op('tds', 'AddScopes', item('ScopeItem', 'odm:building/B')))).status,
    ).toBe(200);
    await waitFor('three scopes', async () => (await stored())?.length === 3);
    const removed = await soap(
      'device RemoveScopes',
      op('tds', 'RemoveScopes', item('ScopeItem', 'onvif://www.onvif.org/location/Floor2')),
    );
    expect(removed.body).toContain('<tds:ScopeItem>onvif://www.onvif.org/location/Floor2</tds:ScopeItem>');
    await waitFor('two scopes again', async () => (await stored())?.length === 2);
    expect(await configurable()).toEqual([name, 'odm:building/B']);
    const fixed = await soap(
      'fault FixedScope',
      op('tds', 'RemoveScopes', item('ScopeItem', 'onvif://www.onvif.org/type/video_encoder')),
    );
    expect(subcodes(fixed.body)).toEqual(['OperationProhibited', 'FixedScope']);
    const overwrite = await soap(
      'fault ScopeOverwrite',
      op('tds', 'SetScopes', item('Scopes', 'onvif://www.onvif.org/Profile/T')),
    );
    expect(subcodes(overwrite.body)).toEqual(['OperationProhibited', 'ScopeOverwrite']);
    // Back to the defaults' form for the other tests: the camera's name and host.
    await soap(
      'device SetScopes back',
      op(
        'tds',
        'SetScopes',
        item('Scopes', `onvif://www.onvif.org/name/${encodeURIComponent(camera.name)}`) +
          item('Scopes', `onvif://www.onvif.org/location/${encodeURIComponent(camera.hostName)}`),
      ),
    );
    await waitFor(
      'the name back',
      async () => (await stored())?.[0]?.includes(encodeURIComponent(camera.name)) === true,
    );
  });

  test('SystemReboot restarts the capture with the current settings', async () => {
    const before = settingsRequests.length;
    const reply = await soap('device SystemReboot', op('tds', 'SystemReboot'));
    expect(reply.status).toBe(200);
    expect(settingsRequests.length).toBe(before + 1);
  });

  test('SetDiscoveryMode is kept in the camera record', async () => {
    const set = await soap(
      'device SetDiscoveryMode',
      op('tds', 'SetDiscoveryMode', '<tds:DiscoveryMode>NonDiscoverable</tds:DiscoveryMode>'),
    );
    expect(set.status).toBe(200);
    const { camera: stored } = await call(rig.nc, Registry.get, { id: camera.id });
    expect(stored.discoveryMode).toBe('NonDiscoverable');
  });

  test('faults: NoProfile, InvalidStreamSetup, NoConfig, NoSuchService', async () => {
    const cases: [string, string, string[]][] = [
      [
        'fault NoProfile',
        op('trt', 'GetStreamUri', '<trt:ProfileToken>nope</trt:ProfileToken>'),
        ['InvalidArgVal', 'NoProfile'],
      ],
      [
        'fault InvalidStreamSetup',
        op(
          'trt',
          'GetStreamUri',
          `<trt:StreamSetup><tt:Stream>RTP-Multicast</tt:Stream><tt:Transport><tt:Protocol>UDP</tt:Protocol></tt:Transport></trt:StreamSetup>${profileMain}`,
        ),
        ['InvalidArgVal', 'InvalidStreamSetup'],
      ],
      [
        'fault NoConfig',
        op('trt', 'GetVideoEncoderConfiguration', '<trt:ConfigurationToken>x</trt:ConfigurationToken>'),
        ['InvalidArgVal', 'NoConfig'],
      ],
      [
        'fault NoSuchService',
        op('tds', 'GetCapabilities', '<tds:Category>PTZ</tds:Category>'),
        ['ActionNotSupported', 'NoSuchService'],
      ],
    ];
    for (const [name, body, expected] of cases) {
      expect(subcodes((await soap(name, body)).body)).toEqual(expected);
    }
  });

  test('every other fault kind', async () => {
    const user = (name: string, password: string, level: string) =>
      `<tds:User><tt:Username>${name}</tt:Username><tt:Password>${password}</tt:Password><tt:UserLevel>${level}</tt:UserLevel></tds:User>`;
    const cases: [string, string, string[]][] = [
      ['fault InvalidArgs', op('tds', 'CreateUsers'), ['InvalidArgs']],
      [
        'fault UsernameMissing',
        op('tds', 'DeleteUsers', '<tds:Username>nobody</tds:Username>'),
        ['InvalidArgVal', 'UsernameMissing'],
      ],
      [
        'fault Password too short',
        op('tds', 'CreateUsers', user('carol', 'short', 'User')),
        ['OperationProhibited', 'Password'],
      ],
      [
        'fault PasswordTooLong',
        op('tds', 'CreateUsers', user('carol', 'x'.repeat(129), 'User')),
        ['OperationProhibited', 'PasswordTooLong'],
      ],
      [
        'fault AnonymousNotAllowed',
        op('tds', 'CreateUsers', user('carol', 'carol-password', 'Anonymous')),
        ['OperationProhibited', 'AnonymousNotAllowed'],
      ],
      [
        'fault ProfileExists',
        op('trt', 'CreateProfile', '<trt:Name>x</trt:Name><trt:Token>profile_main</trt:Token>'),
        ['InvalidArgVal', 'ProfileExists'],
      ],
      [
        'fault InvalidArgVal discovery mode',
        op('tds', 'SetDiscoveryMode', '<tds:DiscoveryMode>Loud</tds:DiscoveryMode>'),
        ['InvalidArgVal', 'InvalidArgVal'],
      ],
    ];
    for (const [name, body, expected] of cases) {
      expect(subcodes((await soap(name, body)).body)).toEqual(expected);
    }
    const must = await postSoap(
      camera.onvifPort,
      `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Header><x:Trace xmlns:x="urn:example" s:mustUnderstand="true"/></s:Header><s:Body>${op('tds', 'GetSystemDateAndTime')}</s:Body></s:Envelope>`,
    );
    keep('fault MustUnderstand', must.body);
    expect(must.status).toBe(500);
    expect(must.body).toContain('env:MustUnderstand');
  });

  test('an agent that does not answer: Receiver fault, nothing changed', async () => {
    const silent = await rig.camera('soap-host-silent-agent');
    const reply = await postSoap(silent.onvifPort, envelope(op('tds', 'SystemReboot'), { creds: admin }));
    keep('fault agent offline', reply.body);
    expect(reply.status).toBe(500);
    expect(reply.body).toContain('env:Receiver');
    expect(subcodes(reply.body)).toEqual(['Action']);
  });

  test('HTTP Digest, MD5 and SHA-256: 401 with both challenges, then accepted; a wrong password asked again', async () => {
    const body = envelope(op('trt', 'GetProfiles'));
    const challenge = await postSoap(camera.onvifPort, body);
    expect(challenge.status).toBe(401);
    keep('fault NotAuthorized digest challenge', challenge.body);
    const values = challenge.headers['www-authenticate'];
    for (const alg of ['SHA-256', 'MD5'] as const) {
      const authorization = digestAuthorization(
        values,
        alg,
        'POST',
        '/onvif/device_service',
        admin.username,
        admin.password,
      );
      const ok = await postSoap(camera.onvifPort, body, { headers: { Authorization: authorization } });
      expect(ok.status).toBe(200);
      // The same nonce count again is a replay.
      const again = await postSoap(camera.onvifPort, body, { headers: { Authorization: authorization } });
      expect(again.status).toBe(401);
    }
    const wrong = digestAuthorization(
      values,
      'MD5',
      'POST',
      '/onvif/device_service',
      admin.username,
      'not-the-password',
    );
    expect((await postSoap(camera.onvifPort, body, { headers: { Authorization: wrong } })).status).toBe(401);
  });
});

describe('envelopes of a shape answered before (envelope.shapes.ts)', () => {
  const streamSetup =
    '<tt:Stream>RTP-Unicast</tt:Stream><tt:Transport><tt:Protocol>RTSP</tt:Protocol></tt:Transport>';
  const counted = async (metric: RegExp) => Number(metric.exec(await rig.onvif.metrics())?.[1] ?? 0);
  const hits = () => counted(/desk_onvif_envelope_shapes_total\{result="hit"[^}]*\} (\d+)/);
  const replays = () => counted(/desk_onvif_auth_failures_total\{reason="replayed-nonce"[^}]*\} (\d+)/);

  test('a repeated request with a fresh token is not parsed again, and answered the same', async () => {
    const request = () =>
      op('trt', 'GetStreamUri', `<trt:StreamSetup>${streamSetup}</trt:StreamSetup>${profileMain}`);
    const first = await soap('shape GetStreamUri first', request());
    const before = await hits();
    const next = await Promise.all([1, 2, 3].map((i) => soap(`shape GetStreamUri ${i}`, request())));
    expect(first.status).toBe(200);
    expect(first.body).toContain('<tt:Uri>rtsp://');
    for (const r of next) expect([r.status, r.body]).toEqual([200, first.body]);
    expect((await hits()) - before).toBe(3);
  });

  test('a replayed request of a known shape is refused all the same, and a changed one is parsed', async () => {
    const body = envelope(
      op('trt', 'GetStreamUri', `<trt:StreamSetup>${streamSetup}</trt:StreamSetup>${profileMain}`),
      { creds: admin },
    );
    const options = { contentType: 'application/soap+xml; charset=utf-8' };
    expect((await postSoap(camera.onvifPort, body, options)).status).toBe(200);
    const before = await hits();
    const replaysBefore = await replays();
    const replay = await postSoap(camera.onvifPort, body, options);
    expect([replay.status, subcodes(replay.body)]).toEqual([400, ['NotAuthorized']]);
    expect((await hits()) - before).toBe(1);
    expect((await replays()) - replaysBefore).toBe(1);
    // An entity where the profile token was: not the shape; parsed, and refused as a replay too.
    const changed = await postSoap(
      camera.onvifPort,
      body.replace('profile_main', 'profile&#95;main'),
      options,
    );
    expect([changed.status, subcodes(changed.body)]).toEqual([400, ['NotAuthorized']]);
    expect((await hits()) - before).toBe(1);
    expect((await replays()) - replaysBefore).toBe(2);
  });
});
