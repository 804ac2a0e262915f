#!/usr/bin/env node
// A WS-Discovery client for the tests, run inside the test's network namespace. It speaks only
// through real client code: the npm `onvif` library's Discovery.probe, or raw datagrams whose
// replies are parsed with that library's SOAP parser (never with desk-onvif's own codec).
//
//   onvif-probe <timeoutMs>                      npm onvif Discovery.probe bound to lo → JSON array
//   send <timeoutMs> <bindAddress|-> <base64>... sends each datagram to the group → JSON {replies}
//   listen <timeoutMs>                           prints "ready", then one JSON line per datagram on the group
//   fuzz <bindAddress|-> <lingerMs>              sends length-prefixed datagrams from stdin → JSON lines {sent, replies}
import { Buffer } from 'node:buffer';
import dgram from 'node:dgram';
import { setTimeout } from 'node:timers';
import onvif from 'onvif';
import onvifUtils from 'onvif/lib/utils.js';

const { Discovery } = onvif;
const { parseSOAPString, linerase } = onvifUtils;

const GROUP = '239.255.255.250';
const PORT = Number(process.env.WSD_PORT || 3702);
const [mode, ...args] = process.argv.slice(2);

function describe(xml, from) {
  return new Promise((resolve) => {
    const header = (name) => (new RegExp(`<(?:\\w+:)?${name}[^>]*>([^<]*)</`).exec(xml) || [])[1];
    parseSOAPString(
      xml,
      (err, body) => {
        const out = {
          from,
          soap: xml.includes('http://schemas.xmlsoap.org/soap/envelope/') ? '1.1' : '1.2',
          action: header('Action'),
          relatesTo: header('RelatesTo'),
          messageId: header('MessageID'),
          xml,
        };
        if (err) return resolve({ ...out, error: String(err) });
        const data = linerase(body);
        const match =
          (data.probeMatches && data.probeMatches.probeMatch) ||
          (data.resolveMatches && data.resolveMatches.resolveMatch) ||
          data.hello ||
          data.bye ||
          {};
        resolve({
          ...out,
          urn: match.endpointReference && match.endpointReference.address,
          xaddrs: typeof match.XAddrs === 'string' ? match.XAddrs.split(' ') : undefined,
          scopes: typeof match.scopes === 'string' ? match.scopes.split(' ') : undefined,
          types: typeof match.types === 'string' ? match.types.split(' ') : undefined,
          metadataVersion: match.metadataVersion,
        });
      },
      200,
    );
  });
}

/** Stdout to a pipe is asynchronous: exit only once everything is written. */
function finish(text) {
  process.stdout.write(text, () => process.exit(0));
}

function openSocket(bind) {
  const socket = dgram.createSocket({ type: 'udp4' });
  return new Promise((resolve) =>
    socket.bind(0, bind && bind !== '-' ? bind : undefined, () => resolve(socket)),
  );
}

async function onvifProbe(timeout) {
  Discovery.on('error', () => undefined);
  Discovery.probe({ timeout: Number(timeout), resolve: false, device: 'lo' }, (_err, found) => {
    const cams = (found || []).map((d) => {
      const m = linerase(d).probeMatches.probeMatch;
      return {
        urn: m.endpointReference.address,
        xaddrs: m.XAddrs.split(' '),
        scopes: m.scopes.split(' '),
        types: m.types.split(' '),
        metadataVersion: m.metadataVersion,
      };
    });
    finish(JSON.stringify(cams));
  });
}

async function send(timeout, bind, datagrams) {
  const socket = await openSocket(bind);
  // Room for a burst of matches (1,000 cameras answer within APP_MAX_DELAY).
  socket.setRecvBufferSize(4 * 1024 * 1024);
  const received = [];
  const started = Date.now();
  // Only timestamped here; parsed after the wait, so that parsing never delays the clock.
  socket.on('message', (msg, rinfo) =>
    received.push({ msg, from: `${rinfo.address}:${rinfo.port}`, at: Date.now() - started }),
  );
  for (const d of datagrams) socket.send(Buffer.from(d, 'base64'), PORT, GROUP);
  setTimeout(async () => {
    socket.close();
    const replies = await Promise.all(
      received.map(async (r) => ({ ...(await describe(r.msg.toString(), r.from)), at: r.at })),
    );
    finish(JSON.stringify({ replies }));
  }, Number(timeout));
}

async function listen(timeout) {
  const socket = dgram.createSocket({ type: 'udp4', reuseAddr: true });
  socket.on('message', async (msg, rinfo) => {
    process.stdout.write(
      `${JSON.stringify(await describe(msg.toString(), `${rinfo.address}:${rinfo.port}`))}\n`,
    );
  });
  socket.bind(PORT, () => {
    socket.addMembership(GROUP, '127.0.0.1');
    process.stdout.write('ready\n');
  });
  setTimeout(() => process.exit(0), Number(timeout));
}

async function fuzz(bind, lingerMs) {
  const socket = await openSocket(bind);
  // A datagram the kernel refuses (too large) is just not sent.
  socket.on('error', () => undefined);
  let sent = 0;
  let replies = 0;
  socket.on('message', () => replies++);
  let buffered = Buffer.alloc(0);
  process.stdin.on('data', (chunk) => {
    buffered = Buffer.concat([buffered, chunk]);
    while (buffered.length >= 4) {
      const len = buffered.readUInt32BE(0);
      if (buffered.length < 4 + len) break;
      const datagram = buffered.subarray(4, 4 + len);
      buffered = buffered.subarray(4 + len);
      if (len === 0) {
        // A zero-length frame is a checkpoint: report progress so the test can pace itself.
        process.stdout.write(`${JSON.stringify({ sent, replies })}\n`);
        continue;
      }
      socket.send(datagram, PORT, GROUP);
      sent++;
    }
  });
  process.stdin.on('end', () => {
    // Replies come after a random delay: wait that long before the final count.
    setTimeout(() => {
      finish(`${JSON.stringify({ sent, replies, done: true })}\n`);
    }, Number(lingerMs));
  });
}

const modes = {
  'onvif-probe': () => onvifProbe(args[0]),
  send: () => send(args[0], args[1], args.slice(2)),
  listen: () => listen(args[0]),
  fuzz: () => fuzz(args[0], args[1]),
};
if (!modes[mode]) {
  process.stderr.write('usage: ws-client.mjs onvif-probe|send|listen|fuzz …\n');
  process.exit(2);
}
void modes[mode]();
