import { CaptureArgsError, type AudioJob, type CapturePlatform } from './capture.types.js';

/**
 * The audio half of a capture: the loopback device (and a microphone, mixed in) as ffmpeg inputs,
 * a filter chain, and the encoder options of each RTSP output that carries it. Audio and video
 * share one clock: every input's timestamps are wall-clock time (x11grab, gdigrab and PulseAudio
 * stamp with it; DirectShow and lavfi are told to), and `-copyts` keeps them as they are, so the
 * muxer interleaves by capture time and the RTCP sender reports map both streams to one NTP time.
 * Without it ffmpeg rebases each input to zero on its own, and audio is off by however much later
 * the device opened than the screen (half a second, measured).
 */

/** How many samples a second aresample may stretch or squeeze audio to follow its timestamps. */
export const AUDIO_ASYNC = 50;
/** Past this much (s) between timestamps and samples, aresample pads or trims at once. */
export const AUDIO_HARD_COMP_S = 0.02;

/** Output pad labels of the audio chain: main's and sub's copies. */
export const AUDIO_PADS = { main: 'am', sub: 'as' } as const;

/** Windows loopback capture devices by their usual DirectShow names. */
export const LOOPBACK_DEVICE_NAMES =
  /stereo mix|stereomix|what u hear|wave out|loopback|virtual-audio-capturer|cable output|monitor of/i;

/** Linux: the monitor of the default sink, as PulseAudio and PipeWire both name it. */
export const DEFAULT_MONITOR = '@DEFAULT_MONITOR@';

/** ffmpeg input options for one audio device on this platform. */
export function audioInputArgs(platform: CapturePlatform, device: string): string[] {
  if (!device) throw new CaptureArgsError('audio: no device');
  // Audio packets are small and many: a deep queue so a busy video encoder never blocks capture.
  const queue = ['-thread_queue_size', '1024'];
  if (platform === 'linux') return [...queue, '-f', 'pulse', '-i', device];
  // DirectShow stamps with its graph clock: wall-clock time instead, the video grabbers' clock.
  // 50 ms buffers: DirectShow's default is 500 ms, which would be the audio's delay.
  return [
    ...queue,
    '-use_wallclock_as_timestamps',
    '1',
    '-f',
    'dshow',
    '-audio_buffer_size',
    '50',
    '-i',
    `audio=${device}`,
  ];
}

/**
 * The audio filter chain, from input `first` (and `first + 1`, the microphone): mixed, resampled to
 * follow the timestamps, and split when both streams carry it. aresample pads or trims at once
 * when samples and timestamps disagree by more than `min_hard_comp`, and stretches or squeezes by
 * at most `async` samples a second below that. The defaults (0.1 s, and 1 sample a second given
 * as async=1) kept an error in a device's first timestamps (PulseAudio's latency not known yet)
 * for the whole run: measured on the raw capture (a click played at a known time, wall-clock
 * stamps), the click stamped 20-24 ms before it was played through `async=1`, 11-15 ms after it
 * without aresample. So: 20 ms, past which the start is padded or trimmed into place (once, at the
 * start, or where the device really lost samples), and 50 samples a second (0.1 %) for a sound
 * card's drift of tens of ppm. Not more: at 1000 (2 %) the stretching shows as pitch: a
 * 1000 Hz tone read 1021 Hz while it caught up after the device came back (CI, loaded).
 */
export function audioFilter(audio: AudioJob, first: number): string {
  const mixed = audio.microphone
    ? `[${first}:a][${first + 1}:a]amix=inputs=2:duration=longest:dropout_transition=0,`
    : `[${first}:a]`;
  const pads = outputsOf(audio).map((s) => `[${AUDIO_PADS[s]}]`);
  const split = pads.length > 1 ? `,asplit=${pads.length}` : '';
  return `${mixed}aresample=async=${AUDIO_ASYNC}:min_hard_comp=${AUDIO_HARD_COMP_S}${split}${pads.join('')}`;
}

/**
 * Muxer options of an RTSP output that carries audio. libavformat holds each packet until every
 * stream has one queued, or until they span `max_interleave_delta` (10 s by default); when the
 * audio device goes away its stream just stops (ffmpeg tells the muxer of no stream's end), and the
 * video would then reach readers 10 s late, in bursts. 150 ms is more than the audio ever trails the
 * video (a PulseAudio fragment, an AAC frame and its look-ahead), so sync is untouched and a lost
 * device costs the video 150 ms of latency instead of ten seconds. RTP sends each stream on its own,
 * so packets written slightly out of order across streams are harmless.
 */
export const AUDIO_MUX_ARGS = ['-max_interleave_delta', '150000'];

/**
 * Muxer options of every RTSP output when the timestamps are wall-clock (`-copyts`): the RTCP sender
 * reports. ffmpeg's RTP muxer reports RTP time `(now − start_time_realtime)` at NTP time `now`,
 * assuming PTS 0 is when the stream began; with -copyts PTS 0 is the Unix epoch, so every report
 * was off by the epoch's seconds modulo the 32-bit RTP clock, differently for 90 kHz video and 48
 * (or 8) kHz audio: readers aligning the tracks by them (ffmpeg, MediaMTX, NVRs) put the audio hours
 * away from the video. `start_time_realtime` is the wall-clock time of PTS 0: the epoch, given as
 * 1 µs because 0 means unset (it is rounded to whole milliseconds, so 0 it is).
 */
export const EPOCH_CLOCK_ARGS = ['-start_time_realtime', '1'];

/** Encoder options of one stream's audio: AAC-LC (stereo) or G.711 μ-law (8 kHz mono, RTP/AVP 0). */
export function audioEncoderArgs(audio: AudioJob): string[] {
  if (audio.codec === 'pcmu') return ['-c:a', 'pcm_mulaw', '-ar', '8000', '-ac', '1'];
  return [
    '-c:a',
    'aac',
    '-profile:a',
    'aac_low',
    '-b:a',
    `${audio.bitrateKbps}k`,
    '-ar',
    String(audio.sampleRate),
    '-ac',
    '2',
  ];
}

export function outputsOf(audio: AudioJob): ('main' | 'sub')[] {
  return (['main', 'sub'] as const).filter((s) => audio[s]);
}

export function validateAudio(audio: AudioJob): void {
  if (!audio.main && !audio.sub) throw new CaptureArgsError('audio: neither main nor sub carries it');
  if (audio.codec === 'pcmu' && (audio.sampleRate !== 8000 || audio.bitrateKbps !== 64))
    throw new CaptureArgsError('audio: G.711 μ-law is 8 kHz at 64 kbit/s');
  if (audio.codec === 'aac' && ![16000, 32000, 48000].includes(audio.sampleRate))
    throw new CaptureArgsError(`audio: AAC at 16, 32 or 48 kHz (got ${audio.sampleRate})`);
  if (audio.codec === 'aac' && (audio.bitrateKbps < 16 || audio.bitrateKbps > 320))
    throw new CaptureArgsError(`audio: AAC bitrate 16-320 kbit/s (got ${audio.bitrateKbps})`);
}
