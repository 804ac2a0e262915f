import type { ExtraProfile } from '@desk-onvif/onvif-soap';

/**
 * Profiles clients created with CreateProfile (Synology's `SynoProfile`), per camera, in memory:
 * they are served by the main stream, and a client that finds one missing after a restart
 * creates it again, as it does with any camera.
 */
export class ProfileBook {
  private readonly byCamera = new Map<string, readonly ExtraProfile[]>();
  private static readonly NONE: readonly ExtraProfile[] = [];

  of(cameraId: string): readonly ExtraProfile[] {
    return this.byCamera.get(cameraId) ?? ProfileBook.NONE;
  }

  add(cameraId: string, profile: ExtraProfile): void {
    this.byCamera.set(cameraId, [...this.of(cameraId).filter((p) => p.token !== profile.token), profile]);
  }

  remove(cameraId: string, token: string): void {
    const left = this.of(cameraId).filter((p) => p.token !== token);
    if (left.length) this.byCamera.set(cameraId, left);
    else this.byCamera.delete(cameraId);
  }

  forget(cameraId: string): void {
    this.byCamera.delete(cameraId);
  }
}
