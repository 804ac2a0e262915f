import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NatsConnection } from '@nats-io/transport-node';
import { Registry, call, type CameraRecord } from '@desk-onvif/contracts';
import { ensureViewKeys, ViewTokenSigner, type ViewKeyFiles } from '@desk-onvif/media-auth';
import {
  NatsServer,
  publishHeartbeat,
  WhepDouble,
  startOnvif,
  startRegistry,
  type ServiceProcess,
  testSitePki,
  waitFor,
  type SitePki,
} from '@desk-onvif/test-support';
import { ConsoleProcess } from './console.process.js';

/** 0x3070c0 as ffmpeg's lavfi colour: what the camera's publisher shows. */
export const WHEP_COLOUR = { ffmpeg: '0x3070c0', rgb: [0x30, 0x70, 0xc0] as const };

/**
 * What the console's WebRTC live view needs, all real but MediaMTX: nats-server, the registry, the
 * onvif service (its MediaMTX auth hook, with the view key's public half), test/support's WHEP
 * double asking that hook, the console with the private half, and two cameras kept online by
 * simulated heartbeats — `camera` with a publisher of WHEP_COLOUR on its main path, `dark` with none.
 * For the WHEP test and bench-console's WebRTC figure.
 */
export class WhepRig {
  private constructor(
    readonly nats: NatsServer,
    readonly registry: ServiceProcess,
    readonly onvif: ServiceProcess,
    readonly whep: WhepDouble,
    readonly konsole: ConsoleProcess,
    readonly nc: NatsConnection,
    readonly keys: ViewKeyFiles,
    readonly pki: SitePki,
    readonly camera: CameraRecord,
    readonly dark: CameraRecord,
    private readonly beat: NodeJS.Timeout,
    private readonly trustDir: string,
  ) {}

  static async start(): Promise<WhepRig> {
    const trustDir = mkdtempSync(join(tmpdir(), 'desk-onvif-view-keys-'));
    // The view key pair as `desk-onvif trust init` writes it: the console signs, the hook checks.
    const keys = ensureViewKeys(trustDir);
    const nats = await NatsServer.start();
    const registry = await startRegistry(nats, { REGISTRY_LOG_LEVEL: 'warn' });
    const onvif = await startOnvif(nats, {
      ONVIF_WORKERS: '1',
      ONVIF_MEDIA_VIEW_PUBLIC_KEY: keys.publicKey,
      // The guessing throttle as deployed, but wrong answers are not held back (tests lock out
      // an address on purpose; the delays are the throttle's own tests' business).
      ONVIF_AUTH_DELAY_MS: '0',
      ONVIF_AUTH_MAX_DELAY_MS: '0',
    });
    const pki = await testSitePki();
    // MediaMTX's WebRTC server over HTTPS (webrtcEncryption), as the console's HTTPS page needs.
    const whep = await WhepDouble.start({
      authHookUrl: `${onvif.baseUrl}/mediamtx/auth`,
      tls: { cert: pki.serverCert, key: pki.serverKey },
      refusedPauseMs: 200,
    });
    const konsole = await ConsoleProcess.start(nats, {
      CONSOLE_WHEP_URL: whep.url,
      CONSOLE_MEDIA_VIEW_KEY: keys.privateKey,
    });
    // webrtcAllowOrigins: the console's origin only.
    whep.allowOrigins = [konsole.url];
    const nc = await nats.connect();
    const register = async (hostId: string) =>
      (
        await call(nc, Registry.register, {
          identity: { hostId, hostName: hostId.toUpperCase(), mode: 'shared' },
          agent: { version: '0.1.0', platform: 'linux' },
        })
      ).camera;
    const camera = await register('whep-pc');
    const dark = await register('whep-dark-pc');
    // Their agents, simulated over NATS: heartbeats keep both online.
    const heartbeat = () => {
      for (const c of [camera, dark]) publishHeartbeat(nc, c.id);
    };
    heartbeat();
    const beat = setInterval(heartbeat, 1000);
    // The camera's publisher: a plain colour, H.264 from ffmpeg, on its main path only.
    await whep.source(camera.paths.main, WHEP_COLOUR.ffmpeg);
    // The hook serves the camera once the onvif service has its record.
    const signer = new ViewTokenSigner(readFileSync(keys.privateKey));
    await waitFor('the camera in the onvif service', async () => {
      const token = await signer.sign({ path: camera.paths.main, sub: 'readiness' });
      const r = await fetch(`${onvif.baseUrl}/mediamtx/auth`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          token,
          ip: '127.0.0.1',
          action: 'read',
          path: camera.paths.main,
          protocol: 'webrtc',
        }),
      });
      return r.status === 200;
    });
    return new WhepRig(nats, registry, onvif, whep, konsole, nc, keys, pki, camera, dark, beat, trustDir);
  }

  async stop(): Promise<void> {
    clearInterval(this.beat);
    await this.nc.close();
    await this.konsole.stop();
    await this.whep.stop();
    await this.onvif.stop();
    await this.registry.stop();
    await this.nats.dispose();
    rmSync(this.trustDir, { recursive: true, force: true });
    rmSync(this.pki.dir, { recursive: true, force: true });
  }
}
