import { cameraSubjects, decodeEvent, type Heartbeat } from '@desk-onvif/contracts';
import {
  decodeAudioOf,
  probeStreams,
  PulseAudio,
  pulseAudioMissing,
  toneFrequencyOf,
  type PulsePlayer,
} from '@desk-onvif/test-support';
import { AGENT, DeskLab } from './desk.lab.js';

/**
 * Audio end to end (issue 12): a real PulseAudio with a null sink plays a known tone; the agent
 * captures the sink's monitor with its real ffmpeg next to the Xvfb desktop, publishes both in one
 * RTSP session; a reader over TCP and over UDP decodes the tone at its frequency.
 */
const missing = pulseAudioMissing();
if (missing && process.env.CI === 'true') throw new Error(`audio tests need PulseAudio: ${missing}`);
const maybe = missing ? describe.skip : describe;
if (missing) console.warn(`SKIPPED: the audio end-to-end tests: ${missing}`);

const TONE = 1000;

maybe('audio: the PC’s sound reaches the NVR', () => {
  let pulse: PulseAudio;
  let player: PulsePlayer;
  let lab: DeskLab;
  const heartbeats: Heartbeat[] = [];

  beforeAll(async () => {
    pulse = await PulseAudio.start();
    player = pulse.player();
    await player.ready;
    player.tone(TONE);
    lab = await DeskLab.start({
      width: 640,
      height: 360,
      fps: 15,
      colour: '#204060',
      agentEnv: { ...pulse.env, AGENT_AUDIO: 'auto', AGENT_AUDIO_POLL_MS: '500', AGENT_HEARTBEAT_MS: '500' },
    });
    const hb = cameraSubjects(lab.cameraId).heartbeat;
    lab.nc.subscribe(hb.subject, {
      callback: (_e, m) => {
        heartbeats.push(decodeEvent(hb, m.data));
      },
    });
  }, 120_000);

  afterAll(async () => {
    await lab?.stop();
    await player?.stop();
    await pulse?.stop();
  });

  const mainUrl = async () => lab.rtspUrl((await lab.camera()).paths.main, lab.opts.onvifUser);

  it('publishes AAC in the main stream’s session, next to the H.264', async () => {
    const probed = await probeStreams(await mainUrl(), 'tcp', 'codec_type,codec_name,sample_rate');
    expect(probed).toEqual({
      ok: true,
      streams: expect.arrayContaining([
        { codec_type: 'video', codec_name: 'h264' },
        { codec_type: 'audio', codec_name: 'aac', sample_rate: '48000' },
      ]) as unknown,
    });
  });

  it.each(['tcp', 'udp'] as const)(
    'a reader over %s decodes the tone at its frequency (±2 %%)',
    async (transport) => {
      const hz = toneFrequencyOf(await decodeAudioOf(await mainUrl(), { transport, seconds: 2 }));
      expect(hz).toBeDefined();
      expect(Math.abs(hz! - TONE) / TONE).toBeLessThanOrEqual(0.02);
    },
  );

  it('says in its heartbeat and status that audio streams, and from which device', async () => {
    const last = () => heartbeats.at(-1);
    expect(last()?.audio).toEqual({ state: 'streaming', device: '@DEFAULT_MONITOR@', codec: 'aac' });
    const status = (await lab.system.agentStatus(AGENT)) as unknown as { audio: unknown };
    expect(status.audio).toEqual({ state: 'streaming', device: '@DEFAULT_MONITOR@', codec: 'aac' });
    // The registry keeps what is streamed: the camera has audio, GetProfiles says so.
    expect((await lab.camera()).settings.audio).toMatchObject({ codec: 'aac', main: true });
  });
});
