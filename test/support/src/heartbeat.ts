import type { NatsConnection } from '@nats-io/transport-node';
import { cameraSubjects, encodeEvent, type Heartbeat } from '@desk-onvif/contracts';

/**
 * A camera's heartbeat as its agent would send it (streaming; `overrides` change any field), on
 * the catalogue's subject and validated by its schema: for tests and benches that simulate agents.
 */
export function publishHeartbeat(
  nc: NatsConnection,
  cameraId: string,
  overrides: Partial<Heartbeat> = {},
): void {
  const contract = cameraSubjects(cameraId).heartbeat;
  nc.publish(
    contract.subject,
    encodeEvent(contract, {
      state: 'streaming',
      fps: 15,
      bitrateKbps: 512,
      encoder: 'libx264',
      uptimeS: 60,
      errors: 0,
      at: new Date().toISOString(),
      ...overrides,
    }),
  );
}
