import { Inject, Injectable } from '@nestjs/common';
import { onvifCheckHost, probeOnvif, probeRtsp } from './network.probes.js';
import { cameraUrls, type Endpoints } from './camera.urls.js';
import { CONSOLE_CONFIG, type ConsoleConfig } from './config.js';
import { runChecks, type DoctorCheck, type DoctorProbes } from './doctor.checks.js';
import { ConsoleNotFoundError } from './errors.js';
import { FleetService } from './fleet.service.js';

/** The doctor: probes what an NVR depends on, from this server, then runs the seven checks. */
@Injectable()
export class DoctorService {
  constructor(
    @Inject(CONSOLE_CONFIG) private readonly config: ConsoleConfig,
    private readonly fleet: FleetService,
  ) {}

  async diagnose(
    id: string,
    endpoints: Endpoints,
  ): Promise<{ cameraId: string; name: string; checks: DoctorCheck[] }> {
    await this.fleet.whenLoaded();
    const c = this.fleet.get(id);
    if (!c) throw new ConsoleNotFoundError(`no camera ${id}`);
    const host = onvifCheckHost(this.config);
    const [onvifPort, rtsp] = await Promise.all([
      probeOnvif(host, c.onvifPort),
      probeRtsp(host, this.config.RTSP_PORT, c.paths.main),
    ]);
    const probes: DoctorProbes = {
      now: Date.now(),
      urls: cameraUrls(c, endpoints),
      onvifPort,
      rtsp,
      portMoves: this.fleet.portMoves(id),
      firewall: {
        natsPort: Number(new URL(this.config.NATS_URL.split(',')[0]!.trim()).port || 4222),
        rtspPort: this.config.RTSP_PORT,
        onvif: String(c.onvifPort),
        consolePort: this.config.PORT,
      },
    };
    return { cameraId: c.id, name: c.name, checks: runChecks(c, probes) };
  }
}
