import type { NatsConnection } from '@nats-io/transport-node';
import { Registry, cameraSubjects, call, DeskOnvifError, type CameraRecord } from '@desk-onvif/contracts';
import { Faults, SoapFault, type Effect } from '@desk-onvif/onvif-soap';
import type { UserStore } from './user.store.js';
import type { ProfileBook } from './profile.book.js';

/**
 * Carries out what an operation asked for: the agent over `camera.<id>.settings`, the registry
 * over `registry.update`, the user store, the client-created profiles. Failures become SOAP faults.
 */
export class CameraEffects {
  constructor(
    private readonly nc: NatsConnection,
    private readonly users: UserStore,
    private readonly profiles: ProfileBook,
    private readonly timeoutMs: number,
  ) {}

  async run(camera: CameraRecord, effect: Effect): Promise<void> {
    try {
      await this.runUnsafe(camera, effect);
    } catch (err) {
      if (err instanceof SoapFault) throw err;
      if (err instanceof DeskOnvifError) {
        if (err.code === 'NO_RESPONDERS' || err.code === 'TIMEOUT' || err.code === 'UNAVAILABLE') {
          throw new SoapFault(
            'Receiver',
            ['Action'],
            `the camera's agent or the registry is unreachable (${err.code})`,
          );
        }
        if (err.code === 'INVALID_REQUEST') throw Faults.invalidArgVal('ConfigModify', err.message);
      }
      throw err;
    }
  }

  private async runUnsafe(camera: CameraRecord, effect: Effect): Promise<void> {
    const id = camera.id;
    switch (effect.kind) {
      case 'settings': {
        // The agent says what it can do; then the record keeps it across restarts.
        const reply = await call(
          this.nc,
          cameraSubjects(id).settings,
          { settings: effect.settings },
          this.timeoutMs,
        );
        await call(this.nc, Registry.update, { id, patch: { settings: reply.settings } }, this.timeoutMs);
        return;
      }
      case 'reboot':
        // Asking for the current settings again restarts the agent's capture.
        await call(this.nc, cameraSubjects(id).settings, { settings: camera.settings }, this.timeoutMs);
        return;
      case 'scopes':
        // The record is the one source: GetScopes and discovery both read it.
        await call(this.nc, Registry.update, { id, patch: { scopes: effect.scopes } }, this.timeoutMs);
        return;
      case 'discoveryMode':
        await call(this.nc, Registry.update, { id, patch: { discoveryMode: effect.mode } }, this.timeoutMs);
        return;
      case 'createUsers':
      case 'deleteUsers':
      case 'setUsers':
        return this.users.change(id, effect);
      case 'createProfile':
        return this.profiles.add(id, effect.profile);
      case 'deleteProfile':
        return this.profiles.remove(id, effect.token);
      case 'events':
        // Answered by the event service (onvif.http.ts), never here.
        throw Faults.internal('an event request reached the camera effects');
    }
  }
}
