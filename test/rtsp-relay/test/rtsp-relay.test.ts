import { RtspRelay, type AuthRequest } from '@desk-onvif/rtsp-relay';
import { formatInterleaved } from '@desk-onvif/rtsp-relay';
import { createSocket, type Socket } from 'node:dgram';
import { freePort, freeUdpPortPair, waitFor } from '@desk-onvif/test-support';
import { FFMPEG_ANNOUNCE_SDP } from './ffmpeg.fixtures.js';
import { RawRtsp } from './raw.rtsp.js';

/**
 * The relay double's own behaviour on input ffmpeg never sends: malformed requests, wrong order,
 * transports it does not serve, a hook that is down. Each answer is MediaMTX's (gortsplib's).
 */
const PATH = 'desk/0b7c4d7e-5d2b-5f6a-9a51-3c1f4e2d9b10/main';
const calls: AuthRequest[] = [];
let relay: RtspRelay;
const open: RawRtsp[] = [];

async function client(port = relay.rtspPort): Promise<RawRtsp> {
  const c = await RawRtsp.open(port);
  open.push(c);
  return c;
}

const url = (path = PATH) => `rtsp://127.0.0.1:${relay.rtspPort}/${path}`;
const announce = (cseq: number, sdp = FFMPEG_ANNOUNCE_SDP, path = PATH) =>
  `ANNOUNCE ${url(path)} RTSP/1.0\r\nCSeq: ${cseq}\r\nContent-Type: application/sdp\r\nAuthorization: Basic YWdlbnQ6cw==\r\n` +
  `Content-Length: ${sdp.length}\r\n\r\n${sdp}`;

beforeAll(async () => {
  relay = await RtspRelay.start({
    pathNames: ['~^desk/[0-9a-f-]{36}/(main|sub)$'],
    udp: { rtpPort: 0, rtcpPort: 0 },
    authFailurePauseMs: 10,
    readTimeoutMs: 500,
    auth: {
      allows: (req) => {
        calls.push(req);
        return Promise.resolve(req.user === 'agent' || (req.action === 'api' && req.user === 'admin'));
      },
    },
  });
});

afterEach(() => open.splice(0).forEach((c) => c.close()));
afterAll(() => relay.stop());

describe('RTSP relay double: requests', () => {
  it('answers OPTIONS with the methods it serves', async () => {
    const res = await (await client()).send(`OPTIONS ${url()} RTSP/1.0\r\nCSeq: 1\r\n\r\n`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cseq')).toBe('1');
    expect(res.headers.get('public')).toMatch(/DESCRIBE.*ANNOUNCE.*SETUP.*PLAY.*RECORD/);
  });

  it('answers a malformed request with 400, closes that connection and serves the next', async () => {
    const bad = await client();
    expect((await bad.send('HELLO THERE\r\n\r\n')).status).toBe(400);
    await bad.closed;
    expect((await (await client()).send(`OPTIONS ${url()} RTSP/1.0\r\nCSeq: 2\r\n\r\n`)).status).toBe(200);
  });

  it('answers a request without CSeq with 400 and closes (RFC 2326 §12.17)', async () => {
    const c = await client();
    expect((await c.send(`OPTIONS ${url()} RTSP/1.0\r\n\r\n`)).status).toBe(400);
    await c.closed;
  });

  it('answers an unknown method with 501 and keeps the connection', async () => {
    const c = await client();
    expect((await c.send(`REDIRECT ${url()} RTSP/1.0\r\nCSeq: 1\r\n\r\n`)).status).toBe(501);
    expect((await c.send(`OPTIONS ${url()} RTSP/1.0\r\nCSeq: 2\r\n\r\n`)).status).toBe(200);
  });

  it('refuses a path outside the configured entries with 400, without asking the hook', async () => {
    const before = calls.length;
    const res = await (await client()).send(`DESCRIBE ${url('live/cam')} RTSP/1.0\r\nCSeq: 1\r\n\r\n`);
    expect(res.status).toBe(400);
    expect(calls.length).toBe(before);
  });

  it('refuses an ANNOUNCE whose body is not SDP with 400', async () => {
    const res = await (await client()).send(announce(1, 'hello'));
    expect(res.status).toBe(400);
  });

  it('answers a publisher SETUP over UDP with 461 (the double takes publishers over TCP)', async () => {
    const c = await client();
    expect((await c.send(announce(1))).status).toBe(200);
    const setup = `SETUP ${url()}/streamid=0 RTSP/1.0\r\nCSeq: 2\r\nTransport: RTP/AVP;unicast;client_port=5000-5001;mode=record\r\n\r\n`;
    expect((await c.send(setup)).status).toBe(461);
  });

  it('answers PLAY and RECORD out of order with 455', async () => {
    const c = await client();
    expect((await c.send(`PLAY ${url()} RTSP/1.0\r\nCSeq: 1\r\n\r\n`)).status).toBe(455);
    expect((await c.send(`RECORD ${url()} RTSP/1.0\r\nCSeq: 2\r\n\r\n`)).status).toBe(455);
  });

  it('passes the hook the request as MediaMTX does, with the publisher session id', async () => {
    const c = await client();
    await c.send(announce(1).replace('CSeq: 1\r\n', 'CSeq: 1\r\nUser-Agent: Lavf59.27.100\r\n'));
    expect(calls.at(-1)).toEqual({
      user: 'agent',
      password: 's',
      token: '',
      ip: '127.0.0.1',
      action: 'publish',
      path: PATH,
      protocol: 'rtsp',
      id: expect.stringMatching(/^[0-9a-f-]{36}$/) as unknown,
      query: '',
      userAgent: 'Lavf59.27.100',
    });
  });
});

describe('RTSP relay double: a publisher that goes silent', () => {
  it('is dropped after readTimeout and its path leaves the list, as in MediaMTX', async () => {
    const c = await client();
    expect((await c.send(announce(1))).status).toBe(200);
    const setup = await c.send(
      `SETUP ${url()}/streamid=0 RTSP/1.0\r\nCSeq: 2\r\nTransport: RTP/AVP/TCP;unicast;interleaved=0-1;mode=record\r\n\r\n`,
    );
    expect(setup.headers.get('transport')).toBe('RTP/AVP/TCP;unicast;interleaved=0-1');
    const session = setup.headers.get('session')!.split(';')[0]!;
    const record = await c.send(`RECORD ${url()} RTSP/1.0\r\nCSeq: 3\r\nSession: ${session}\r\n\r\n`);
    expect(record.status).toBe(200);
    const listed = async () =>
      (
        (await (
          await fetch(`http://127.0.0.1:${relay.apiPort}/v3/paths/list`, {
            headers: { authorization: `Basic ${Buffer.from('admin:x').toString('base64')}` },
          })
        ).json()) as { items: { name: string }[] }
      ).items.map((i) => i.name);
    expect(await listed()).toEqual([PATH]);
    await c.closed;
    expect(await listed()).toEqual([]);
  });
});

describe('RTSP relay double: relaying', () => {
  const rtp = (seq: number) => Buffer.from([0x80, 0x60, 0, seq, 0, 0, 0, 0, 0, 0, 0, 1, seq]);

  it('relays RTP and RTCP to the channels the reader set up, and holds them while paused', async () => {
    const pub = await client();
    await pub.send(announce(1));
    const setup = await pub.send(
      `SETUP ${url()}/streamid=0 RTSP/1.0\r\nCSeq: 2\r\nTransport: RTP/AVP/TCP;unicast;interleaved=0-1;mode=record\r\n\r\n`,
    );
    await pub.send(`RECORD ${url()} RTSP/1.0\r\nCSeq: 3\r\nSession: ${setup.headers.get('session')}\r\n\r\n`);

    const reader = await client();
    const auth = 'Authorization: Basic YWdlbnQ6cw==\r\n';
    const described = await reader.send(`DESCRIBE ${url()} RTSP/1.0\r\nCSeq: 1\r\n${auth}\r\n`);
    expect(described.headers.get('content-base')).toBe(`${url()}/`);
    const control = /a=control:(\S+)/.exec(described.body)![1]!;
    expect(control).toBe(`${url()}/trackID=0`);
    const rs = await reader.send(
      `SETUP ${control} RTSP/1.0\r\nCSeq: 2\r\n${auth}Transport: RTP/AVP/TCP;unicast;interleaved=6-7\r\n\r\n`,
    );
    const session = rs.headers.get('session')!.split(';')[0]!;
    expect(
      (await reader.send(`PLAY ${url()} RTSP/1.0\r\nCSeq: 3\r\nSession: ${session}\r\n\r\n`)).status,
    ).toBe(200);

    pub.write(formatInterleaved(0, rtp(1)));
    pub.write(formatInterleaved(1, Buffer.from([0x80, 200, 0, 6])));
    await waitFor('two frames', () => Promise.resolve(reader.frames.length === 2));
    expect(reader.frames).toEqual([
      { channel: 6, payload: rtp(1) },
      { channel: 7, payload: Buffer.from([0x80, 200, 0, 6]) },
    ]);

    expect(
      (await reader.send(`PAUSE ${url()} RTSP/1.0\r\nCSeq: 4\r\nSession: ${session}\r\n\r\n`)).status,
    ).toBe(200);
    pub.write(formatInterleaved(0, rtp(2)));
    // Once the relay has taken the packet in (13 + 4 + 13 bytes), resume: the reader never gets it.
    await waitFor('the paused packet relayed', async () => {
      const res = await fetch(`http://127.0.0.1:${relay.apiPort}/v3/paths/get/${encodeURIComponent(PATH)}`, {
        headers: { authorization: `Basic ${Buffer.from('admin:x').toString('base64')}` },
      });
      return ((await res.json()) as { inboundBytes?: number }).inboundBytes === 30;
    });
    expect(
      (await reader.send(`PLAY ${url()} RTSP/1.0\r\nCSeq: 5\r\nSession: ${session}\r\n\r\n`)).status,
    ).toBe(200);
    pub.write(formatInterleaved(0, rtp(3)));
    await waitFor('a third frame', () => Promise.resolve(reader.frames.length === 3));
    expect(reader.frames[2]).toEqual({ channel: 6, payload: rtp(3) });

    pub.close();
    await reader.closed; // the publisher left: its readers are closed, as MediaMTX does
  });
});

describe('RTSP relay double: readers over UDP', () => {
  const rtp = (seq: number) => Buffer.from([0x80, 0x60, 0, seq, 0, 0, 0, 0, 0, 0, 0, 2, seq]);
  const auth = 'Authorization: Basic YWdlbnQ6cw==\r\n';
  const sockets: Socket[] = [];
  afterAll(() => sockets.forEach((s) => s.close()));

  async function listen(port: number): Promise<Buffer[]> {
    const got: Buffer[] = [];
    const s = createSocket('udp4');
    sockets.push(s);
    s.on('message', (m) => got.push(m));
    await new Promise<void>((r) => s.bind(port, '127.0.0.1', () => r()));
    return got;
  }

  async function publishing(): Promise<RawRtsp> {
    const pub = await client();
    await pub.send(announce(1));
    const setup = await pub.send(
      `SETUP ${url()}/streamid=0 RTSP/1.0\r\nCSeq: 2\r\nTransport: RTP/AVP/TCP;unicast;interleaved=0-1;mode=record\r\n\r\n`,
    );
    await pub.send(`RECORD ${url()} RTSP/1.0\r\nCSeq: 3\r\nSession: ${setup.headers.get('session')}\r\n\r\n`);
    return pub;
  }

  it('sends RTP and RTCP from its even/odd server ports to the client ports of the SETUP', async () => {
    const pub = await publishing();
    const ports = await freeUdpPortPair();
    const [gotRtp, gotRtcp] = [await listen(ports.rtpPort), await listen(ports.rtcpPort)];
    const reader = await client();
    await reader.send(`DESCRIBE ${url()} RTSP/1.0\r\nCSeq: 1\r\n${auth}\r\n`);
    // ffmpeg's form (RTP/AVP/UDP), as its UDP reader sends it.
    const rs = await reader.send(
      `SETUP ${url()}/trackID=0 RTSP/1.0\r\nCSeq: 2\r\n${auth}Transport: RTP/AVP/UDP;unicast;client_port=${ports.rtpPort}-${ports.rtcpPort}\r\n\r\n`,
    );
    expect(rs.status).toBe(200);
    const server = relay.udpPorts!;
    expect(server.rtpPort % 2).toBe(0);
    expect(server.rtcpPort).toBe(server.rtpPort + 1);
    expect(rs.headers.get('transport')).toBe(
      `RTP/AVP;unicast;client_port=${ports.rtpPort}-${ports.rtcpPort};server_port=${server.rtpPort}-${server.rtcpPort}`,
    );
    const session = rs.headers.get('session')!.split(';')[0]!;
    expect(
      (await reader.send(`PLAY ${url()} RTSP/1.0\r\nCSeq: 3\r\nSession: ${session}\r\n\r\n`)).status,
    ).toBe(200);
    pub.write(formatInterleaved(0, rtp(1)));
    pub.write(formatInterleaved(1, Buffer.from([0x80, 200, 0, 6])));
    await waitFor('RTP and RTCP by UDP', () => Promise.resolve(gotRtp.length === 1 && gotRtcp.length === 1));
    expect(gotRtp).toEqual([rtp(1)]);
    expect(gotRtcp).toEqual([Buffer.from([0x80, 200, 0, 6])]);
    expect(reader.frames).toEqual([]); // nothing interleaved on the RTSP connection
    pub.close();
    await reader.closed;
  });

  it('refuses a session that mixes UDP and TCP medias with 400, as gortsplib does', async () => {
    const pub = await client();
    const twoMedia = `${FFMPEG_ANNOUNCE_SDP}m=audio 0 RTP/AVP 97\r\na=rtpmap:97 MPEG4-GENERIC/48000/1\r\na=control:streamid=1\r\n`;
    await pub.send(announce(1, twoMedia));
    for (const [i, cseq] of [
      [0, 2],
      [1, 3],
    ] as const)
      await pub.send(
        `SETUP ${url()}/streamid=${i} RTSP/1.0\r\nCSeq: ${cseq}\r\nTransport: RTP/AVP/TCP;unicast;interleaved=${2 * i}-${2 * i + 1};mode=record\r\n\r\n`,
      );
    await pub.send(`RECORD ${url()} RTSP/1.0\r\nCSeq: 4\r\n\r\n`);
    const reader = await client();
    const udp = await reader.send(
      `SETUP ${url()}/trackID=0 RTSP/1.0\r\nCSeq: 1\r\n${auth}Transport: RTP/AVP;unicast;client_port=40000-40001\r\n\r\n`,
    );
    expect(udp.status).toBe(200);
    const session = udp.headers.get('session')!.split(';')[0]!;
    const tcp = await reader.send(
      `SETUP ${url()}/trackID=1 RTSP/1.0\r\nCSeq: 2\r\n${auth}Session: ${session}\r\nTransport: RTP/AVP/TCP;unicast;interleaved=2-3\r\n\r\n`,
    );
    expect(tcp.status).toBe(400);
  });

  it('answers multicast with 461 (not served), and a UDP SETUP without client ports too', async () => {
    await publishing();
    for (const transport of ['RTP/AVP;multicast', 'RTP/AVP;unicast']) {
      const reader = await client();
      const res = await reader.send(
        `SETUP ${url()}/trackID=0 RTSP/1.0\r\nCSeq: 1\r\n${auth}Transport: ${transport}\r\n\r\n`,
      );
      expect(res.status).toBe(461);
    }
  });
});

describe('RTSP relay double: UDP off', () => {
  it('answers a reader SETUP over UDP with 461 when rtspTransports has no udp', async () => {
    const tcpOnly = await RtspRelay.start({
      pathNames: ['~^desk/'],
      auth: { allows: () => Promise.resolve(true) },
    });
    try {
      expect(tcpOnly.udpPorts).toBeUndefined();
      const c = await client(tcpOnly.rtspPort);
      const res = await c.send(
        `SETUP rtsp://127.0.0.1:${tcpOnly.rtspPort}/desk/a/trackID=0 RTSP/1.0\r\nCSeq: 1\r\nTransport: RTP/AVP;unicast;client_port=40000-40001\r\n\r\n`,
      );
      expect(res.status).toBe(461);
    } finally {
      await tcpOnly.stop();
    }
  });
});

describe('RTSP relay double: a hook that is down', () => {
  it('refuses: 401 with a Basic challenge, as MediaMTX does when its hook fails', async () => {
    const down = await RtspRelay.start({
      pathNames: ['~^desk/'],
      authHookUrl: `http://127.0.0.1:${await freePort()}/mediamtx/auth`,
    });
    try {
      const res = await (
        await client(down.rtspPort)
      ).send(`DESCRIBE rtsp://127.0.0.1:${down.rtspPort}/desk/a RTSP/1.0\r\nCSeq: 1\r\n\r\n`);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
    } finally {
      await down.stop();
    }
  });
});

describe('RTSP relay double: the API', () => {
  const api = (path: string, auth?: string) =>
    fetch(
      `http://127.0.0.1:${relay.apiPort}${path}`,
      auth ? { headers: { authorization: `Basic ${auth}` } } : {},
    );
  const admin = Buffer.from('admin:x').toString('base64');

  it('challenges a caller without credentials, refuses wrong ones', async () => {
    const res = await api('/v3/paths/list');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Basic/);
    expect(calls.at(-1)).toMatchObject({ action: 'api', path: '', protocol: '', id: null });
    expect((await api('/v3/paths/list', Buffer.from('x:y').toString('base64'))).status).toBe(401);
  });

  it('answers bad pagination with 400 and the API error shape', async () => {
    const res = await api('/v3/paths/list?page=-1', admin);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ status: 'error', error: expect.any(String) as unknown });
  });

  it('answers an unknown path with 404', async () => {
    const res = await api(`/v3/paths/get/${encodeURIComponent('desk/nobody/main')}`, admin);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ status: 'error', error: 'path not found' });
  });

  it('lists no path when nobody publishes', async () => {
    expect(await (await api('/v3/paths/list', admin)).json()).toEqual({
      itemCount: 0,
      pageCount: 0,
      items: [],
    });
  });
});
