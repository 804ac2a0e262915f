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

  it('passes frame data on as it comes, the chunk itself when it is all frame data', () => {
    const rw = new RtspRequestRewriter(rule);
    rw.push(Buffer.from(`RECORD ${rule.from} RTSP/1.0\r\nCSeq: 5\r\n\r\n`));
    const payload = Buffer.alloc(3000, 0x80);
    const frame = Buffer.concat([Buffer.from([0x24, 0, 3000 >> 8, 3000 & 0xff]), payload]);
    // The frame's start, then the middle and the end in chunks of their own.
    const [head, middle, end] = [frame.subarray(0, 1000), frame.subarray(1000, 2000), frame.subarray(2000)];
    expect(rw.push(head)).toEqual([head]);
    const out = rw.push(middle);
    expect(out).toHaveLength(1);
    expect(out[0]).toBe(middle); // not a copy
    expect(rw.push(end)[0]).toBe(end);
    // The next frame's header, cut in two by the chunks' ends, is gathered; its data passes on.
    const next = Buffer.from([0x24, 1, 0, 2, 0xaa, 0xbb]);
    expect(rw.push(next.subarray(0, 2))).toEqual([]);
    expect(Buffer.concat(rw.push(next.subarray(2)))).toEqual(next);
  });

  it('gives the same bytes, requests rewritten, however a recording is cut into chunks', () => {
    let seed = 12;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const request = (method: string, cseq: number) =>
      `${method} ${rule.from} RTSP/1.0\r\nCSeq: ${cseq}\r\n\r\n`;
    const rewritten = (method: string, cseq: number) =>
      `${method} ${rule.to} RTSP/1.0\r\nCSeq: ${cseq}\r\nAuthorization: ${rule.authorization}\r\n\r\n`;
    const input: Buffer[] = [Buffer.from(request('RECORD', 5))];
    const expected: Buffer[] = [Buffer.from(rewritten('RECORD', 5))];
    for (let i = 0; i < 400; i++) {
      if (i % 97 === 96) {
        input.push(Buffer.from(request('GET_PARAMETER', 6 + i)));
        expected.push(Buffer.from(rewritten('GET_PARAMETER', 6 + i)));
        continue;
      }
      const size = random(1500);
      const frame = Buffer.alloc(4 + size, i & 0xff);
      frame[0] = 0x24;
      frame[1] = i % 4;
      frame.writeUInt16BE(size, 2);
      input.push(frame);
      expected.push(frame);
    }
    input.push(Buffer.from(request('TEARDOWN', 999)));
    expected.push(Buffer.from(rewritten('TEARDOWN', 999)));
    const all = Buffer.concat(input);
    for (const maxChunk of [3, 7, 1400, 4096, 65536]) {
      const rw = new RtspRequestRewriter(rule);
      const out: Buffer[] = [];
      for (let at = 0; at < all.length;) {
        const n = 1 + random(maxChunk);
        out.push(...rw.push(all.subarray(at, at + n)));
        at += n;
      }
      expect({ maxChunk, same: Buffer.concat(out).equals(Buffer.concat(expected)) }).toEqual({
        maxChunk,
        same: true,
      });
    }
  });

  it('refuses a request for another stream that comes after frames', () => {
    const rw = new RtspRequestRewriter(rule);
    rw.push(Buffer.from(`RECORD ${rule.from} RTSP/1.0\r\nCSeq: 5\r\n\r\n`));
    const frame = Buffer.from([0x24, 0, 0, 1, 0x80]);
    expect(() =>
      rw.push(
        Buffer.concat([frame, Buffer.from('TEARDOWN rtsp://127.0.0.1:40000/tok/sub RTSP/1.0\r\n\r\n')]),
      ),
    ).toThrow(RtspStreamError);
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
