import { chooseAudioDevice, NO_LOOPBACK_HINT, parseDshowAudio, parsePulseSources } from './audio.device.js';

/** What ffmpeg 5.1 (`-sources pulse`) and 6.1 (`-list_devices true -f dshow`) print. */
const PULSE = `Auto-detected sources for pulse:
* desk.monitor [Monitor of Null Output] (none)
  alsa_input.pci-0000_00_1f.3.analog-stereo [Built-in Audio Analog Stereo] (none)
`;
const DSHOW = `[dshow @ 000001] "Integrated Camera" (video)
[dshow @ 000001]   Alternative name "@device_pnp_\\\\?\\usb#vid_04f2"
[dshow @ 000001] "Microphone Array (Realtek(R) Audio)" (audio)
[dshow @ 000001]   Alternative name "@device_cm_{33D9A762}\\wave_{A1}"
[dshow @ 000001] "Stereo Mix (Realtek(R) Audio)" (audio)
dummy: Immediate exit requested`;

describe('audio devices', () => {
  it('reads PulseAudio sources; a sink monitor is a loopback device', () => {
    expect(parsePulseSources(PULSE)).toEqual([
      { name: 'desk.monitor', loopback: true },
      { name: 'alsa_input.pci-0000_00_1f.3.analog-stereo', loopback: false },
    ]);
  });

  it('reads DirectShow audio devices; Stereo Mix is a loopback device, the microphone is not', () => {
    expect(parseDshowAudio(DSHOW)).toEqual([
      { name: 'Microphone Array (Realtek(R) Audio)', loopback: false },
      { name: 'Stereo Mix (Realtek(R) Audio)', loopback: true },
    ]);
  });

  it('Linux: the default sink monitor when a monitor exists', () => {
    expect(chooseAudioDevice('linux', undefined, parsePulseSources(PULSE))).toEqual({
      device: '@DEFAULT_MONITOR@',
    });
  });

  it('Windows: the first loopback device', () => {
    expect(chooseAudioDevice('win32', undefined, parseDshowAudio(DSHOW))).toEqual({
      device: 'Stereo Mix (Realtek(R) Audio)',
    });
  });

  it('says how to get a loopback device when there is none', () => {
    const mics = parseDshowAudio(DSHOW).filter((d) => !d.loopback);
    const none = chooseAudioDevice('win32', undefined, mics);
    expect(none).toEqual({ device: undefined, why: NO_LOOPBACK_HINT.win32 });
    expect(none.why).toMatch(/Stereo Mix.*Show Disabled Devices.*virtual-audio-capturer/);
    expect(chooseAudioDevice('linux', undefined, []).why).toMatch(/module-null-sink/);
  });

  it('a configured device only while it is listed', () => {
    const listed = parsePulseSources(PULSE);
    expect(chooseAudioDevice('linux', 'desk.monitor', listed)).toEqual({ device: 'desk.monitor' });
    expect(chooseAudioDevice('linux', 'gone.monitor', listed)).toEqual({
      device: undefined,
      why: 'audio device "gone.monitor" is not there',
    });
    expect(chooseAudioDevice('linux', '@DEFAULT_MONITOR@', [])).toMatchObject({ device: undefined });
  });
});
