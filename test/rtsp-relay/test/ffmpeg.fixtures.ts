/**
 * Real messages captured on the wire from ffmpeg 5.1 (Lavf59.27.100) publishing H.264 with
 * libx264 over RTSP/TCP (`-f rtsp -rtsp_transport tcp`), for table-driven tests.
 */
export const FFMPEG_ANNOUNCE_SDP =
  'v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=No Name\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n' +
  'a=tool:libavformat LIBAVFORMAT_VERSION\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n' +
  'a=fmtp:96 packetization-mode=1; sprop-parameter-sets=Z0LADNoFB+wEQAAAAwBAAAAHo8UKqA==,aM4PyA==; ' +
  'profile-level-id=42C00C\r\na=control:streamid=0\r\n';

/** SPS NAL units (base64, from sprop-parameter-sets) and what ffprobe reports for those streams. */
export const FFMPEG_SPS = [
  {
    name: 'libx264 ultrafast 320x240',
    sps: 'Z0LADNoFB+wEQAAAAwBAAAAHo8UKqA==',
    info: { width: 320, height: 240, profile: 'Baseline', level: '1.2' },
  },
  {
    name: 'libx264 veryfast high 1920x1080 (cropped from 1088)',
    sps: 'Z2QAKKzZQHgCJ+XARAAAAwAEAAADAPA8YMZY',
    info: { width: 1920, height: 1080, profile: 'High', level: '4' },
  },
  {
    name: 'libx264 veryfast main 640x360',
    sps: 'Z01AHuygUBf8uAiAAAADAIAAAB4HixbL',
    info: { width: 640, height: 360, profile: 'Main', level: '3' },
  },
  {
    name: 'libx264 ultrafast 640x360',
    sps: 'Z0LAHtoCgL/lwEQAAAMABAAAAwDwPFi6gA==',
    info: { width: 640, height: 360, profile: 'Baseline', level: '3' },
  },
];
