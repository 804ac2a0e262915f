import type { CapturePlatform } from '@desk-onvif/ffmpeg-args';
import type { AgentConfig } from './config.js';
import { AgentEnrolment, EnrolmentRefusedError } from './enrolment.client.js';
import { detectIdentity, identitySourceFor } from './identity.js';
import type { Logger } from './logger.js';

export type EnrolOutcome =
  | { ok: true; cameraId: string; already: boolean; dir: string; scope: string }
  | { ok: false; code: string; message: string };

/**
 * `enrol`: enrols this PC's camera now with `enrollmentToken` and keeps the credential where the
 * agent will read it (config.credentials). install.ps1 runs it as an administrator in shared mode,
 * so that the credential is machine-wide (%ProgramData%) and every Windows user's agent reads it.
 * Already enrolled: says so and changes nothing (a second token is not used up).
 */
export async function enrolCommand(
  config: AgentConfig,
  platform: CapturePlatform,
  log: Logger,
): Promise<EnrolOutcome> {
  const enrolment = new AgentEnrolment(config.credentials, log);
  const where = { dir: config.credentials.dir, scope: config.credentials.scope };
  const current = enrolment.current();
  if (current) return { ok: true, cameraId: current.cameraId, already: true, ...where };
  if (!config.enrollmentToken)
    return { ok: false, code: 'INVALID_REQUEST', message: 'no enrollmentToken in the configuration' };
  const identity = await detectIdentity(identitySourceFor(platform), config.mode, {
    hostId: config.hostId,
    hostName: config.hostName,
  });
  try {
    const enrolled = await enrolment.enrol(config.enrollmentToken, identity);
    return { ok: true, cameraId: enrolled.cameraId, already: false, ...where };
  } catch (err) {
    if (err instanceof EnrolmentRefusedError) return { ok: false, code: err.code, message: err.message };
    throw err;
  }
}
