import {
  RtspParseError,
  RtspReader,
  basicCredentials,
  formatInterleaved,
  formatResponse,
  parseTransport,
  pathAndQuery,
} from './rtsp.message.js';
import { FFMPEG_ANNOUNCE_SDP } from '../test/ffmpeg.fixtures.js';

/** Requests as ffmpeg 5.1 (Lavf59.27.100) sent them to a server, captured on the wire. */
const cases: {
  name: string;
  wire: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
}[] = [
  {
    name: 'ffmpeg 5.1 OPTIONS',
    wire: 'OPTIONS rtsp://127.0.0.1:39317/desk/x/main RTSP/1.0\r\nCSeq: 1\r\nUser-Agent: Lavf59.27.100\r\n\r\n',
    method: 'OPTIONS',
    url: 'rtsp://127.0.0.1:39317/desk/x/main',
    headers: { cseq: '1', 'user-agent': 'Lavf59.27.100' },
    body: '',
  },
  {
    name: 'ffmpeg 5.1 ANNOUNCE',
    wire:
      'ANNOUNCE rtsp://127.0.0.1:39317/desk/x/main RTSP/1.0\r\nContent-Type: application/sdp\r\nCSeq: 2\r\n' +
      `User-Agent: Lavf59.27.100\r\nContent-Length: ${FFMPEG_ANNOUNCE_SDP.length}\r\n\r\n${FFMPEG_ANNOUNCE_SDP}`,
    method: 'ANNOUNCE',
    url: 'rtsp://127.0.0.1:39317/desk/x/main',
    headers: { 'content-type': 'application/sdp', cseq: '2' },
    body: FFMPEG_ANNOUNCE_SDP,
  },
  {
    name: 'ffmpeg 5.1 SETUP for RECORD',
    wire:
      'SETUP rtsp://127.0.0.1:39317/desk/x/main/streamid=0 RTSP/1.0\r\n' +
      'Transport: RTP/AVP/TCP;unicast;interleaved=0-1;mode=record\r\nCSeq: 3\r\nUser-Agent: Lavf59.27.100\r\n\r\n',
    method: 'SETUP',
    url: 'rtsp://127.0.0.1:39317/desk/x/main/streamid=0',
    headers: { transport: 'RTP/AVP/TCP;unicast;interleaved=0-1;mode=record', cseq: '3' },
    body: '',
  },
];

describe('RtspReader', () => {
  it.each(cases)('reads $name whole and byte by byte', ({ wire, method, url, headers, body }) => {
    for (const chunks of [
      [Buffer.from(wire, 'latin1')],
      [...Buffer.from(wire, 'latin1')].map((b) => Buffer.from([b])),
    ]) {
      const sut = new RtspReader();
      const out = chunks.flatMap((c) => sut.push(c));
      expect(out).toHaveLength(1);
      const req = out[0]!;
      if (req.kind !== 'request') throw new Error('expected a request');
      expect({ method: req.method, url: req.url, body: req.body.toString('latin1') }).toEqual({
        method,
        url,
        body,
      });
      for (const [k, v] of Object.entries(headers)) expect(req.headers.get(k)).toBe(v);
    }
  });

  it('reads interleaved frames between requests (RFC 2326 §10.12)', () => {
    const rtp = Buffer.from([0x80, 0x60, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0xaa]);
    const sut = new RtspReader();
    const wire = Buffer.concat([
      formatInterleaved(2, rtp),
      Buffer.from(cases[0]!.wire),
      formatInterleaved(3, rtp),
    ]);
    const out = sut.push(wire.subarray(0, 7)).concat(sut.push(wire.subarray(7)));
    expect(out.map((m) => m.kind)).toEqual(['interleaved', 'request', 'interleaved']);
    expect(out[0]).toEqual({ kind: 'interleaved', channel: 2, payload: rtp });
  });

  it.each([
    ['an HTTP request', 'GET / HTTP/1.1\r\nHost: x\r\n\r\n'],
    ['a header without a colon', 'OPTIONS rtsp://h/ RTSP/1.0\r\nCSeq 1\r\n\r\n'],
    ['a bad Content-Length', 'ANNOUNCE rtsp://h/ RTSP/1.0\r\nCSeq: 1\r\nContent-Length: -4\r\n\r\n'],
    ['a huge body', 'ANNOUNCE rtsp://h/ RTSP/1.0\r\nCSeq: 1\r\nContent-Length: 99999999\r\n\r\n'],
    ['a head that never ends', `OPTIONS rtsp://h/ RTSP/1.0\r\nX: ${'a'.repeat(70_000)}`],
  ])('refuses %s with an RtspParseError', (_name, wire) => {
    expect(() => new RtspReader().push(Buffer.from(wire))).toThrow(RtspParseError);
  });

  it('never throws anything but RtspParseError on mangled input (fuzz, seeded from the table)', () => {
    let seed = 42;
    const rand = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    for (let i = 0; i < 2000; i++) {
      const bytes = Buffer.from(cases[i % cases.length]!.wire, 'latin1');
      for (let j = 0; j < 1 + Math.floor(rand() * 6); j++)
        bytes[Math.floor(rand() * bytes.length)] = Math.floor(rand() * 256);
      try {
        new RtspReader().push(bytes.subarray(0, Math.floor(rand() * bytes.length) + 1));
      } catch (err) {
        expect(err).toBeInstanceOf(RtspParseError);
      }
    }
  });
});

describe('RTSP helpers', () => {
  it('formats a response with CSeq echoed and Content-Length set', () => {
    expect(formatResponse(200, { CSeq: '4', Session: undefined }, 'v=0\r\n').toString()).toBe(
      'RTSP/1.0 200 OK\r\nCSeq: 4\r\nContent-Length: 5\r\n\r\nv=0\r\n',
    );
  });

  it.each([
    [
      'RTP/AVP/TCP;unicast;interleaved=0-1;mode=record',
      [{ tcp: true, udp: false, interleaved: [0, 1], record: true }],
    ],
    // ffmpeg's reader over UDP (Lavf: RTP/AVP/UDP), and the RFC's plain RTP/AVP.
    [
      'RTP/AVP/UDP;unicast;client_port=5000-5001',
      [{ tcp: false, udp: true, clientPorts: [5000, 5001], record: false }],
    ],
    [
      'RTP/AVP;unicast;client_port=6000',
      [{ tcp: false, udp: true, clientPorts: [6000, 6001], record: false }],
    ],
    [
      'RTP/AVP;multicast;client_port=5000-5001',
      [{ tcp: false, udp: false, clientPorts: [5000, 5001], record: false }],
    ],
    ['RTP/AVP;unicast;client_port=0-70000', [{ tcp: false, udp: true, record: false }]],
    [
      'RTP/AVP;unicast;client_port=5000-5001,RTP/AVP/TCP;interleaved=4',
      [
        { tcp: false, udp: true, clientPorts: [5000, 5001], record: false },
        { tcp: true, udp: false, interleaved: [4, 5], record: false },
      ],
    ],
  ])('parses Transport %s', (header, expected) => {
    expect(parseTransport(header)).toEqual(expected);
  });

  it.each([
    ['Basic bnZyOnMzY3IzdDpwYXJ0', { user: 'nvr', password: 's3cr3t:part' }],
    ['Basic bnZy', { user: 'nvr', password: '' }],
    ['Digest username="nvr", realm="IPCAM"', { user: '', password: '' }],
    [undefined, { user: '', password: '' }],
  ])('reads Basic credentials from %s', (header, expected) => {
    expect(basicCredentials(header)).toEqual(expected);
  });

  it.each([
    ['rtsp://h:8554/desk/x/main', { path: 'desk/x/main', query: '' }],
    ['rtsp://h/desk/x/main/?a=1', { path: 'desk/x/main', query: 'a=1' }],
    ['rtsp://h/%E0%A4%A', undefined],
    ['http://h/desk', undefined],
    ['not a url', undefined],
  ])('splits %s into path and query', (url, expected) => {
    expect(pathAndQuery(url)).toEqual(expected);
  });
});
