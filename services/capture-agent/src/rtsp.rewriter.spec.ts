import { basicAuthorization, RtspRequestRewriter, RtspStreamError } from './rtsp.rewriter.js';

const rule = {
  from: 'rtsp://127.0.0.1:40000/tok/main',
  to: 'rtsps://media.lab:8322/desk/cam/main',
  authorization: basicAuthorization('publisher-cam', 's3cret'),
};
const text = (bufs: Buffer[]) => Buffer.concat(bufs).toString('latin1');

describe('RtspRequestRewriter', () => {
  it('moves each request to the media server URL and adds the publish credentials', () => {
    const rw = new RtspRequestRewriter(rule);
    const sdp = 'v=0\r\nm=video 0 RTP/AVP 96\r\na=control:streamid=0\r\n';
    const announce =
      `ANNOUNCE ${rule.from} RTSP/1.0\r\nCSeq: 2\r\nAuthorization: Basic Zm9vOmJhcg==\r\n` +
      `Content-Type: application/sdp\r\nContent-Length: ${sdp.length}\r\n\r\n${sdp}`;
    expect(text(rw.push(Buffer.from(announce)))).toBe(
      `ANNOUNCE ${rule.to} RTSP/1.0\r\nCSeq: 2\r\nContent-Type: application/sdp\r\n` +
        `Content-Length: ${sdp.length}\r\nAuthorization: Basic cHVibGlzaGVyLWNhbTpzM2NyZXQ=\r\n\r\n${sdp}`,
    );
    expect(text(rw.push(Buffer.from(`SETUP ${rule.from}/streamid=0 RTSP/1.0\r\nCSeq: 3\r\n\r\n`)))).toBe(
      `SETUP ${rule.to}/streamid=0 RTSP/1.0\r\nCSeq: 3\r\nAuthorization: ${rule.authorization}\r\n\r\n`,
    );
  });

  it('waits for a whole request, split anywhere, and passes interleaved frames as they are', () => {
    const rw = new RtspRequestRewriter(rule);
    const frame = Buffer.from([0x24, 0, 0, 3, 0x80, 0x24, 0x0d]);
    const record = Buffer.from(`RECORD ${rule.from} RTSP/1.0\r\nCSeq: 5\r\nSession: 1\r\n\r\n`);
    const all = Buffer.concat([record, frame, frame]);
    const out: Buffer[] = [];
    for (let i = 0; i < all.length; i += 7) out.push(...rw.push(all.subarray(i, i + 7)));
    const expected = `RECORD ${rule.to} RTSP/1.0\r\nCSeq: 5\r\nSession: 1\r\nAuthorization: ${rule.authorization}\r\n\r\n`;
    expect(Buffer.concat(out)).toEqual(Buffer.concat([Buffer.from(expected), frame, frame]));
    // A request after frames, in the same chunk.
    const keepAlive = Buffer.from(`GET_PARAMETER ${rule.from} RTSP/1.0\r\nCSeq: 6\r\n\r\n`);
    expect(text(rw.push(Buffer.concat([frame, keepAlive])))).toBe(
      `${frame.toString('latin1')}GET_PARAMETER ${rule.to} RTSP/1.0\r\nCSeq: 6\r\nAuthorization: ${rule.authorization}\r\n\r\n`,
    );
  });

  it.each([
    ['another stream', `ANNOUNCE rtsp://127.0.0.1:40000/tok/sub RTSP/1.0\r\n\r\n`],
    ['another token', `ANNOUNCE rtsp://127.0.0.1:40000/other/main RTSP/1.0\r\n\r\n`],
    ['a prefix of the path only', `ANNOUNCE ${rule.from}x RTSP/1.0\r\n\r\n`],
    ['not RTSP', `GET / HTTP/1.1\r\nHost: x\r\n\r\n`],
  ])('refuses %s', (_n, request) => {
    expect(() => new RtspRequestRewriter(rule).push(Buffer.from(request))).toThrow(RtspStreamError);
  });

  it('refuses a head that never ends', () => {
    const rw = new RtspRequestRewriter(rule);
    expect(() => rw.push(Buffer.alloc(70 * 1024, 0x41))).toThrow(/64 KiB/);
  });
});
