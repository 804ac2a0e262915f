import { isDeepStrictEqual } from 'node:util';
import { Inject, Injectable } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import {
  CameraPatchSchema,
  Registry,
  cameraSubjects,
  call,
  type CameraPatch,
  type CameraRecord,
  type CaptureSourceSetting,
} from '@desk-onvif/contracts';
import { NATS_CONNECTION } from '@desk-onvif/service-kit';
import { CONSOLE_CONFIG, type ConsoleConfig } from './config.js';
import { ConsoleNotFoundError } from './errors.js';
import { FleetService } from './fleet.service.js';
import { parseBody } from './auth.controller.js';
import { onvifCheckHost, probeOnvif } from './network.probes.js';
import { sourceText } from './source.text.js';

/** What happened to each part of a change: applied, or waiting for something (and what). */
export interface Effect {
  what: string;
  status: 'applied' | 'pending' | 'failed';
  detail: string;
}

const TIMEOUT_MS = 5000;
/** How long the onvif service gets to open the new port (it watches the record). */
const PORT_MOVE_MS = 15_000;
/** How long a new capture source gets to stream (ffmpeg restarted, its first frames heartbeated). */
const SOURCE_STREAMING_MS = 15_000;

/**
 * Camera changes as the ONVIF path makes them: encoder settings go to the agent first (it answers
 * with what it applied), then to the registry; name, port and discovery mode to the registry, whose
 * record the onvif and discovery services watch. Each change reports when it has taken effect.
 */
@Injectable()
export class CameraAdmin {
  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(CONSOLE_CONFIG) private readonly config: ConsoleConfig,
    private readonly fleet: FleetService,
  ) {}

  async update(id: string, body: unknown): Promise<{ camera: CameraRecord; effects: Effect[] }> {
    const patch: CameraPatch = parseBody(CameraPatchSchema, body);
    const current = this.fleet.get(id);
    if (!current) throw new ConsoleNotFoundError(`no camera ${id}`);
    const effects: Effect[] = [];
    if (patch.settings) {
      if (current.online) {
        const reply = await call(
          this.nc,
          cameraSubjects(id).settings,
          { settings: patch.settings },
          TIMEOUT_MS,
        );
        patch.settings = reply.settings;
        effects.push({ what: 'settings', status: 'applied', detail: 'the agent restarted its encoders' });
        if (!isDeepStrictEqual(reply.settings.source, current.settings.source))
          effects.push(await this.sourceEffect(id, reply.settings.source));
      } else {
        effects.push({ what: 'settings', status: 'pending', detail: 'applied when the agent connects' });
      }
    }
    const { camera } = await call(this.nc, Registry.update, { id, patch }, TIMEOUT_MS);
    // The onvif and discovery services follow the record; the console's own watch shows it too.
    await this.fleet.waitFor(id, (c) => c?.updatedAt === camera.updatedAt, TIMEOUT_MS);
    if (patch.name !== undefined)
      effects.push({ what: 'name', status: 'applied', detail: 'GetDeviceInformation and discovery scopes' });
    if (patch.discoveryMode !== undefined)
      effects.push({ what: 'discoveryMode', status: 'applied', detail: patch.discoveryMode });
    if (patch.onvifPort !== undefined) effects.push(await this.portEffect(id, patch.onvifPort));
    return { camera, effects };
  }

  /**
   * The agent answers, then restarts ffmpeg on the new source; its heartbeats count ffmpeg's
   * restarts (and NATS keeps one publisher's order, so those sent before the answer are here): a
   * heartbeat with one restart more that says streaming is the new source streaming.
   */
  private async sourceEffect(id: string, source: CaptureSourceSetting | undefined): Promise<Effect> {
    const restarts = this.fleet.get(id)?.live?.restarts ?? 0;
    const streaming = await this.fleet.waitFor(
      id,
      (c) => c?.live !== undefined && c.live.restarts > restarts && c.live.state === 'streaming',
      SOURCE_STREAMING_MS,
    );
    return streaming
      ? { what: 'source', status: 'applied', detail: `streaming ${sourceText(source)}` }
      : {
          what: 'source',
          status: 'pending',
          detail: `the agent is starting to capture ${sourceText(source)}`,
        };
  }

  async remove(id: string): Promise<void> {
    await call(this.nc, Registry.remove, { id }, TIMEOUT_MS);
  }

  /**
   * The onvif service moves the listener: applied once our service answers on the new port; failed
   * when another program holds it (the registry then moves the camera on, and says why).
   */
  private async portEffect(id: string, port: number): Promise<Effect> {
    const host = onvifCheckHost(this.config);
    const deadline = Date.now() + PORT_MOVE_MS;
    let last = '';
    while (Date.now() < deadline) {
      const now = this.fleet.get(id);
      if (now && now.onvifPort !== port) {
        const why = this.fleet.portMoves(id).findLast((m) => m.from === port)?.reason ?? 'unusable';
        return {
          what: 'onvifPort',
          status: 'failed',
          detail: `port ${port} could not be used (${why}): the camera moved to ${now.onvifPort}`,
        };
      }
      const probe = await probeOnvif(host, port);
      if (probe.state === 'onvif')
        return { what: 'onvifPort', status: 'applied', detail: `listening on ${host}:${port}` };
      last = probe.detail;
      await new Promise((r) => setTimeout(r, 200));
    }
    return { what: 'onvifPort', status: 'pending', detail: `not listening on ${host}:${port} yet (${last})` };
  }
}
