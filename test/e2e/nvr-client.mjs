#!/usr/bin/env node
// The NVR of the end-to-end test, run as a process inside the test's network namespace. It speaks
// only through the npm `onvif` library (agsh 0.8.x, the client inside older UniFi Protect builds),
// never through desk-onvif's own code. Prints one JSON document on stdout; a failure exits 1 with
// the error on stderr.
//
//   probe <timeoutMs>   Discovery.probe on lo → [{urn, xaddrs, scopes}]
//   connect <xaddr>     Cam.connect as NVR_USERNAME / NVR_PASSWORD (GetSystemDateAndTime,
//                       GetServices or GetCapabilities, GetProfiles…), then GetStreamUri (RTSP)
//                       of every profile → {profiles: [{token, name, width, height, uri}]}
//   info <xaddr>        Cam.connect, GetDeviceInformation and GetScopes → {info, scopes: [uri…]}
//   events <xaddr> <ms> Cam.connect, then cam.on('event') (a pull point, PullMessages in a loop)
//                       for <ms>: one JSON line {topic, operation, value, at} per event, as it comes
//   audio <xaddr> <encoding> <bitrate> <sampleRate>
//                       Cam.connect, GetAudioEncoderConfigurations, SetAudioEncoderConfiguration of
//                       the first with these values (then GetAudioEncoderConfiguration, as the
//                       library does) → {configuration, responses: [the camera's SOAP replies]}
//
// An https:// XAddr is reached over TLS (useSecure), trusting only the CA in the PEM file NVR_CA.
import { readFileSync } from 'node:fs';
import { setTimeout } from 'node:timers';
import { URL } from 'node:url';
import onvif from 'onvif';
import onvifUtils from 'onvif/lib/utils.js';

const { Cam, Discovery } = onvif;
const { linerase } = onvifUtils;
const [mode, ...args] = process.argv.slice(2);

/** Stdout to a pipe is asynchronous: exit only once everything is written. */
function finish(value) {
  process.stdout.write(JSON.stringify(value), () => process.exit(0));
}

function fail(err) {
  process.stderr.write(`${err && err.stack ? err.stack : String(err)}\n`, () => process.exit(1));
}

function probe(timeout) {
  Discovery.on('error', () => undefined);
  Discovery.probe({ timeout: Number(timeout), resolve: false, device: 'lo' }, (err, found) => {
    if (err) return fail(err);
    finish(
      (found || []).map((d) => {
        const m = linerase(d).probeMatches.probeMatch;
        return { urn: m.endpointReference.address, xaddrs: m.XAddrs.split(' '), scopes: m.scopes.split(' ') };
      }),
    );
  });
}

function streamUri(cam, profileToken, protocol = 'RTSP') {
  return new Promise((resolve, reject) =>
    cam.getStreamUri({ protocol, profileToken }, (err, res) => (err ? reject(err) : resolve(res.uri))),
  );
}

function call(cam, method) {
  return new Promise((resolve, reject) => cam[method]((err, res) => (err ? reject(err) : resolve(res))));
}

/** Cam options for an XAddr: over TLS for https://, verifying the server against NVR_CA. */
function camOptions(xaddr, username, password) {
  const url = new URL(xaddr);
  const secure = url.protocol === 'https:';
  return {
    hostname: url.hostname,
    port: Number(url.port),
    path: url.pathname,
    username,
    password,
    timeout: 10000,
    ...(secure
      ? { useSecure: true, secureOpts: process.env.NVR_CA ? { ca: readFileSync(process.env.NVR_CA) } : {} }
      : {}),
  };
}

function info(xaddr, username, password) {
  const cam = new Cam(camOptions(xaddr, username, password), async (err) => {
    if (err) return fail(err);
    try {
      const device = await call(cam, 'getDeviceInformation');
      const scopes = await call(cam, 'getScopes');
      finish({ info: device, scopes: [].concat(scopes).map((s) => s.scopeItem) });
    } catch (e) {
      fail(e);
    }
  });
}

/** GetStreamUri asks `protocol` (Media2's names, e.g. RtspsUnicast; npm onvif's default RTSP). */
function connect(xaddr, username, password, protocol) {
  const cam = new Cam(camOptions(xaddr, username, password), async (err) => {
    if (err) return fail(err);
    // The replies from here on (GetStreamUri, after connect asked the rest), for the schema validation.
    const responses = [];
    cam.on('rawResponse', (xml) => responses.push(xml));
    try {
      const profiles = [];
      for (const p of cam.profiles) {
        const res = p.videoEncoderConfiguration && p.videoEncoderConfiguration.resolution;
        profiles.push({
          token: p.$.token,
          name: p.name,
          width: res && res.width,
          height: res && res.height,
          uri: await streamUri(cam, p.$.token, protocol),
        });
      }
      finish({ profiles, responses });
    } catch (e) {
      fail(e);
    }
  });
}

/** Every event the npm `onvif` event API delivers (it subscribes and pulls), one JSON line each. */
function events(xaddr, username, password, durationMs) {
  const cam = new Cam(camOptions(xaddr, username, password), (err) => {
    if (err) return fail(err);
    cam.on('event', (m) => {
      const message = m.message.message;
      const item = [].concat(message.data.simpleItem)[0];
      const line = {
        topic: m.topic._,
        operation: message.$ && message.$.PropertyOperation,
        value: item && item.$.Value,
        at: Date.now(),
      };
      process.stdout.write(`${JSON.stringify(line)}\n`);
    });
    setTimeout(() => process.exit(0), Number(durationMs));
  });
}

function audio(xaddr, username, password, [encoding, bitrate, sampleRate]) {
  const cam = new Cam(camOptions(xaddr, username, password), async (err) => {
    if (err) return fail(err);
    // From here on, every reply of the camera is kept for the test's schema validation.
    const responses = [];
    cam.on('rawResponse', (xml) => responses.push(xml));
    try {
      const [first] = await call(cam, 'getAudioEncoderConfigurations');
      const configuration = await new Promise((resolve, reject) =>
        cam.setAudioEncoderConfiguration(
          {
            ...first,
            token: first.$.token,
            encoding,
            bitrate: Number(bitrate),
            sampleRate: Number(sampleRate),
          },
          (e, res) => (e ? reject(e) : resolve(res)),
        ),
      );
      finish({ configuration, responses });
    } catch (e) {
      fail(e);
    }
  });
}

const modes = {
  probe: () => probe(args[0]),
  connect: () => connect(args[0], process.env.NVR_USERNAME, process.env.NVR_PASSWORD, args[1]),
  info: () => info(args[0], process.env.NVR_USERNAME, process.env.NVR_PASSWORD),
  events: () => events(args[0], process.env.NVR_USERNAME, process.env.NVR_PASSWORD, args[1]),
  audio: () => audio(args[0], process.env.NVR_USERNAME, process.env.NVR_PASSWORD, args.slice(1)),
};
if (!modes[mode]) {
  process.stderr.write(
    'usage: nvr-client.mjs probe <timeoutMs> | connect <xaddr> [protocol] | info <xaddr> | events <xaddr> <durationMs> | audio <xaddr> <encoding> <bitrate> <sampleRate>\n',
  );
  process.exit(2);
}
modes[mode]();
