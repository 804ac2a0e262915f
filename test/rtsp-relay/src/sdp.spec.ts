import { FFMPEG_ANNOUNCE_SDP, FFMPEG_SPS } from '../test/ffmpeg.fixtures.js';
import { SdpError, mediaIndexOf, parseSdp, readerSdp } from './sdp.js';
import { h264SpsInfo, trackOf } from './track.info.js';

describe('parseSdp', () => {
  it("reads ffmpeg's ANNOUNCE: one H.264 video media with its control and fmtp", () => {
    const [media, ...rest] = parseSdp(FFMPEG_ANNOUNCE_SDP);
    expect(rest).toEqual([]);
    expect(media).toMatchObject({ type: 'video', control: 'streamid=0', encoding: 'H264' });
    expect(media!.fmtp.get('sprop-parameter-sets')).toBe('Z0LADNoFB+wEQAAAAwBAAAAHo8UKqA==,aM4PyA==');
    expect(media!.fmtp.get('packetization-mode')).toBe('1');
  });

  it.each([
    ['empty', ''],
    ['no v=0', 'o=- 0 0 IN IP4 1.2.3.4\r\nm=video 0 RTP/AVP 96\r\n'],
    ['no media', 'v=0\r\ns=x\r\n'],
    ['a garbage line', 'v=0\r\nm=video 0 RTP/AVP 96\r\nhello\r\n'],
  ])('refuses %s with an SdpError', (_name, text) => {
    expect(() => parseSdp(text)).toThrow(SdpError);
  });
});

describe('mediaIndexOf (RFC 2326 C.1.1)', () => {
  const medias = parseSdp(FFMPEG_ANNOUNCE_SDP);
  const base = 'rtsp://127.0.0.1:8554/desk/x/main';
  it.each([
    ['the relative control ffmpeg sends', `${base}/streamid=0`, 0],
    ['another host name for the server', 'rtsp://localhost:8554/desk/x/main/streamid=0', 0],
    ['an unknown track', `${base}/streamid=7`, -1],
    ['another path', 'rtsp://127.0.0.1:8554/desk/y/main/streamid=0', -1],
  ])('finds %s', (_name, url, index) => {
    expect(mediaIndexOf(medias, url, base)).toBe(index);
  });
});

describe('readerSdp', () => {
  it('serves the media with absolute trackID controls, as MediaMTX does', () => {
    const sdp = readerSdp(parseSdp(FFMPEG_ANNOUNCE_SDP), 'rtsp://h:8554/desk/x/main');
    expect(sdp).toContain('a=control:rtsp://h:8554/desk/x/main/trackID=0\r\n');
    expect(sdp).not.toContain('streamid=0');
    expect(parseSdp(sdp)[0]).toMatchObject({
      encoding: 'H264',
      control: 'rtsp://h:8554/desk/x/main/trackID=0',
    });
  });
});

describe('H.264 track info', () => {
  it.each(FFMPEG_SPS)('reads $name', ({ sps, info }) => {
    expect(h264SpsInfo(Buffer.from(sps, 'base64'))).toEqual(info);
  });

  it('gives no props for a truncated or non-SPS NAL, never throws (fuzz from the table)', () => {
    expect(h264SpsInfo(Buffer.from([0x67, 0x42]))).toBeUndefined();
    expect(h264SpsInfo(Buffer.from('aM4PyA==', 'base64'))).toBeUndefined(); // a PPS
    let seed = 7;
    const rand = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    for (let i = 0; i < 2000; i++) {
      const bytes = Buffer.from(FFMPEG_SPS[i % FFMPEG_SPS.length]!.sps, 'base64');
      bytes[1 + Math.floor(rand() * (bytes.length - 1))] = Math.floor(rand() * 256);
      expect(() => h264SpsInfo(bytes.subarray(0, 1 + Math.floor(rand() * bytes.length)))).not.toThrow();
    }
  });

  it('names codecs as the API does', () => {
    expect(trackOf(parseSdp(FFMPEG_ANNOUNCE_SDP)[0]!)).toEqual({
      codec: 'H264',
      codecProps: { width: 320, height: 240, profile: 'Baseline', level: '1.2' },
    });
    const opus = parseSdp('v=0\r\nm=audio 0 RTP/AVP 111\r\na=rtpmap:111 opus/48000/2\r\n')[0]!;
    expect(trackOf(opus)).toEqual({ codec: 'Opus', codecProps: null });
  });
});
