import {
  cameraSubjects,
  call,
  DEFAULT_AUDIO_SETTINGS,
  encodeJson,
  Registry,
  type CameraRecord,
} from '@desk-onvif/contracts';
import { waitFor } from '@desk-onvif/test-support';
import type { Subscription } from '@nats-io/transport-node';
import { envelope, keep, op, OnvifRig, postSoap, subcodes, type Credentials } from './onvif.rig.js';

/**
 * The audio operations (issue 12) over real HTTP against the real service: a camera whose agent
 * reported audio, and one without. Every response is kept for the schema validation of the run.
 */
const admin: Credentials = { username: 'admin', password: 'admin-password-1' };
let rig: OnvifRig;
let camera: CameraRecord;
let silent: CameraRecord;
let agent: Subscription;
const settingsRequests: { audio?: unknown }[] = [];

beforeAll(async () => {
  rig = await OnvifRig.start();
  camera = await rig.camera('audio-host-1');
  silent = await rig.camera('audio-host-silent');
  // The agent reports what it streams, audio included (AAC on main), as after a device was found.
  await call(rig.nc, Registry.update, {
    id: camera.id,
    patch: { settings: { ...camera.settings, audio: DEFAULT_AUDIO_SETTINGS } },
  });
  agent = rig.nc.subscribe(cameraSubjects(camera.id).settings.subject, {
    callback: (_err, msg) => {
      const req = JSON.parse(new TextDecoder().decode(msg.data)) as { settings: { audio?: unknown } };
      settingsRequests.push(req.settings);
      msg.respond(encodeJson({ ok: true, settings: req.settings }));
    },
  });
  await waitFor('the audio in GetProfiles', async () =>
    (await soap('media GetProfiles with audio', op('trt', 'GetProfiles'))).body.includes(
      'AudioEncoderConfiguration',
    ),
  );
});

afterAll(async () => {
  agent?.unsubscribe();
  await rig?.dispose();
});

async function soap(name: string, body: string, on: CameraRecord = camera) {
  const reply = await postSoap(on.onvifPort, envelope(body, { creds: admin }));
  keep(name, reply.body);
  return reply;
}

const main = '<trt:ProfileToken>profile_main</trt:ProfileToken>';
const sub = '<trt:ProfileToken>profile_sub</trt:ProfileToken>';

/** The profile elements of a GetProfiles answer, by token. */
function profiles(body: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of body.matchAll(/<trt:Profiles token="([^"]+)"[\s\S]*?<\/trt:Profiles>/g)) out[m[1]!] = m[0];
  return out;
}

describe('audio: a camera that has it', () => {
  test.each([
    [
      'media GetAudioSources',
      op('trt', 'GetAudioSources'),
      '<trt:AudioSources token="pc-sound"><tt:Channels>2',
    ],
    [
      'media GetAudioSourceConfigurations',
      op('trt', 'GetAudioSourceConfigurations'),
      '<tt:SourceToken>pc-sound<',
    ],
    [
      'media GetAudioSourceConfiguration',
      op(
        'trt',
        'GetAudioSourceConfiguration',
        '<trt:ConfigurationToken>pc-sound-config</trt:ConfigurationToken>',
      ),
      '<tt:UseCount>1</tt:UseCount>',
    ],
    [
      'media GetAudioSourceConfigurationOptions',
      op('trt', 'GetAudioSourceConfigurationOptions', main),
      '<tt:InputTokensAvailable>pc-sound<',
    ],
    [
      'media GetCompatibleAudioSourceConfigurations',
      op('trt', 'GetCompatibleAudioSourceConfigurations', sub),
      'token="pc-sound-config"',
    ],
    [
      'media GetAudioEncoderConfigurations',
      op('trt', 'GetAudioEncoderConfigurations'),
      '<tt:Encoding>AAC</tt:Encoding><tt:Bitrate>96</tt:Bitrate><tt:SampleRate>48</tt:SampleRate>',
    ],
    [
      'media GetAudioEncoderConfiguration',
      op(
        'trt',
        'GetAudioEncoderConfiguration',
        '<trt:ConfigurationToken>audio-encoder</trt:ConfigurationToken>',
      ),
      '<tt:SessionTimeout>',
    ],
    [
      'media GetAudioEncoderConfigurationOptions',
      op('trt', 'GetAudioEncoderConfigurationOptions', main),
      '<tt:Encoding>G711</tt:Encoding><tt:BitrateList><tt:Items>64',
    ],
    [
      'media GetCompatibleAudioEncoderConfigurations',
      op('trt', 'GetCompatibleAudioEncoderConfigurations', main),
      'token="audio-encoder"',
    ],
    [
      'media2 GetProfiles audio',
      op('tr2', 'GetProfiles', '<tr2:Type>AudioEncoder</tr2:Type>'),
      '<tr2:AudioEncoder token="audio-encoder"',
    ],
    [
      'media2 GetProfiles All audio',
      op('tr2', 'GetProfiles', '<tr2:Token>profile_main</tr2:Token><tr2:Type>All</tr2:Type>'),
      '<tr2:AudioSource token="pc-sound-config"',
    ],
    [
      'media2 GetServiceCapabilities audio',
      op('tr2', 'GetServiceCapabilities'),
      'ConfigurationsSupported="VideoSource VideoEncoder AudioSource AudioEncoder"',
    ],
    [
      'media2 GetAudioSourceConfigurations',
      op('tr2', 'GetAudioSourceConfigurations'),
      '<tt:SourceToken>pc-sound<',
    ],
    [
      'media2 GetAudioEncoderConfigurations',
      op('tr2', 'GetAudioEncoderConfigurations'),
      '<tt:Encoding>MP4A-LATM</tt:Encoding>',
    ],
    [
      'media2 GetAudioSourceConfigurationOptions',
      op('tr2', 'GetAudioSourceConfigurationOptions'),
      '<tt:InputTokensAvailable>',
    ],
    [
      'media2 GetAudioEncoderConfigurationOptions',
      op('tr2', 'GetAudioEncoderConfigurationOptions'),
      '<tt:Encoding>PCMU</tt:Encoding>',
    ],
  ])('%s', async (name, body, expected) => {
    const reply = await soap(name, body);
    expect(reply.status).toBe(200);
    expect(reply.body).toContain(expected);
  });

  test('the main profile carries the audio configurations, the sub profile none (audio on main only)', async () => {
    const p = profiles((await soap('media GetProfiles audio on main', op('trt', 'GetProfiles'))).body);
    expect(p.profile_main).toContain('<tt:AudioSourceConfiguration token="pc-sound-config">');
    expect(p.profile_main).toContain('<tt:AudioEncoderConfiguration token="audio-encoder">');
    expect(p.profile_sub).not.toContain('Audio');
  });

  test('SetAudioEncoderConfiguration G711 reaches the agent and the record; GetProfiles says G711', async () => {
    const config =
      `<trt:Configuration token="audio-encoder"><tt:Name>x</tt:Name><tt:UseCount>1</tt:UseCount>` +
      `<tt:Encoding>G711</tt:Encoding><tt:Bitrate>64</tt:Bitrate><tt:SampleRate>8</tt:SampleRate>` +
      `<tt:Multicast><tt:Address><tt:Type>IPv4</tt:Type><tt:IPv4Address>0.0.0.0</tt:IPv4Address></tt:Address>` +
      `<tt:Port>0</tt:Port><tt:TTL>1</tt:TTL><tt:AutoStart>false</tt:AutoStart></tt:Multicast>` +
      `<tt:SessionTimeout>PT60S</tt:SessionTimeout></trt:Configuration><trt:ForcePersistence>true</trt:ForcePersistence>`;
    const reply = await soap(
      'media SetAudioEncoderConfiguration',
      op('trt', 'SetAudioEncoderConfiguration', config),
    );
    expect(reply.status).toBe(200);
    expect(settingsRequests.at(-1)?.audio).toEqual({
      codec: 'pcmu',
      bitrateKbps: 64,
      sampleRate: 8000,
      main: true,
      sub: false,
    });
    const { camera: stored } = await call(rig.nc, Registry.get, { id: camera.id });
    expect(stored.settings.audio?.codec).toBe('pcmu');
    await waitFor('G711 in GetProfiles', async () =>
      (await soap('media GetProfiles G711', op('trt', 'GetProfiles'))).body.includes(
        '<tt:Encoding>G711</tt:Encoding>',
      ),
    );
    const refused = await soap(
      'fault audio ConfigModify',
      op('trt', 'SetAudioEncoderConfiguration', config.replace('<tt:SampleRate>8<', '<tt:SampleRate>48<')),
    );
    expect(subcodes(refused.body)).toEqual(['InvalidArgVal', 'ConfigModify']);
    const opus = await soap(
      'fault audio encoding',
      op('trt', 'SetAudioEncoderConfiguration', config.replace('G711', 'OPUS')),
    );
    expect(subcodes(opus.body)).toEqual(['InvalidArgVal', 'ConfigModify']);
  });

  test('Media2 SetAudioEncoderConfiguration back to AAC', async () => {
    const config =
      `<tr2:Configuration token="audio-encoder"><tt:Name>x</tt:Name><tt:UseCount>1</tt:UseCount>` +
      `<tt:Encoding>MP4A-LATM</tt:Encoding><tt:Bitrate>128</tt:Bitrate><tt:SampleRate>48</tt:SampleRate></tr2:Configuration>`;
    const reply = await soap(
      'media2 SetAudioEncoderConfiguration',
      op('tr2', 'SetAudioEncoderConfiguration', config),
    );
    expect(reply.status).toBe(200);
    expect(settingsRequests.at(-1)?.audio).toEqual({
      codec: 'aac',
      bitrateKbps: 128,
      sampleRate: 48000,
      main: true,
      sub: false,
    });
  });

  test('audio added to the sub profile (Media1), removed from it (Media2): the sub stream’s session follows', async () => {
    const add = await soap(
      'media AddAudioEncoderConfiguration',
      op(
        'trt',
        'AddAudioEncoderConfiguration',
        `${sub}<trt:ConfigurationToken>audio-encoder</trt:ConfigurationToken>`,
      ),
    );
    expect(add.status).toBe(200);
    expect(settingsRequests.at(-1)?.audio).toMatchObject({ main: true, sub: true });
    await waitFor('audio in the sub profile', async () =>
      (
        profiles((await soap('media GetProfiles audio on sub', op('trt', 'GetProfiles'))).body).profile_sub ??
        ''
      ).includes('AudioEncoderConfiguration'),
    );
    const remove = await soap(
      'media2 RemoveConfiguration audio',
      op(
        'tr2',
        'RemoveConfiguration',
        '<tr2:ProfileToken>profile_sub</tr2:ProfileToken><tr2:Configuration><tr2:Type>AudioEncoder</tr2:Type></tr2:Configuration>',
      ),
    );
    expect(remove.status).toBe(200);
    expect(settingsRequests.at(-1)?.audio).toMatchObject({ main: true, sub: false });
    const video = await soap(
      'fault media2 RemoveConfiguration video',
      op(
        'tr2',
        'RemoveConfiguration',
        '<tr2:ProfileToken>profile_sub</tr2:ProfileToken><tr2:Configuration><tr2:Type>VideoEncoder</tr2:Type></tr2:Configuration>',
      ),
    );
    expect(subcodes(video.body)).toEqual(['OperationProhibited', 'ConfigurationConflict']);
  });
});

describe('audio: a camera without it (no loopback device on its PC)', () => {
  test('lists no audio source or configuration, and no profile carries audio', async () => {
    for (const [name, body] of [
      ['media GetAudioSources none', op('trt', 'GetAudioSources')],
      ['media GetAudioEncoderConfigurations none', op('trt', 'GetAudioEncoderConfigurations')],
      ['media2 GetAudioEncoderConfigurations none', op('tr2', 'GetAudioEncoderConfigurations')],
      ['media GetProfiles no audio', op('trt', 'GetProfiles')],
      ['media2 GetProfiles All no audio', op('tr2', 'GetProfiles', '<tr2:Type>All</tr2:Type>')],
    ] as const) {
      const reply = await soap(name, body, silent);
      expect(reply.status).toBe(200);
      expect(reply.body).not.toMatch(/<tt:Audio|<trt:Audio|<tr2:Audio/);
    }
    const caps = await soap(
      'media2 GetServiceCapabilities no audio',
      op('tr2', 'GetServiceCapabilities'),
      silent,
    );
    expect(caps.body).toContain('ConfigurationsSupported="VideoSource VideoEncoder"');
  });

  test('a token or a change of its audio: NoConfig', async () => {
    for (const [name, body] of [
      [
        'fault no audio GetAudioEncoderConfiguration',
        op(
          'trt',
          'GetAudioEncoderConfiguration',
          '<trt:ConfigurationToken>audio-encoder</trt:ConfigurationToken>',
        ),
      ],
      [
        'fault no audio AddAudioEncoderConfiguration',
        op(
          'trt',
          'AddAudioEncoderConfiguration',
          `${main}<trt:ConfigurationToken>audio-encoder</trt:ConfigurationToken>`,
        ),
      ],
      ['fault no audio options', op('trt', 'GetAudioEncoderConfigurationOptions')],
    ] as const) {
      expect(subcodes((await soap(name, body, silent)).body)).toEqual(['InvalidArgVal', 'NoConfig']);
    }
  });
});
