import { readFileSync } from 'node:fs';
import { Inject, Injectable } from '@nestjs/common';
import { VIEW_TOKEN_TTL_S, ViewTokenSigner } from '@desk-onvif/media-auth';
import { CONSOLE_CONFIG, type ConsoleConfig } from './config.js';
import { ConsoleError } from './errors.js';
import type { CameraView } from './fleet.state.js';

/** What the browser needs for one WebRTC live view: where to post its WHEP offer, and with what. */
export interface LiveViewGrant {
  /** MediaMTX's WHEP endpoint of the camera's stream: `<CONSOLE_WHEP_URL>/<path>/whep`. */
  whepUrl: string;
  /** The read token for that path only (`Authorization: Bearer`), valid `expiresInS`. */
  token: string;
  expiresInS: number;
  stream: 'main' | 'sub';
}

/**
 * The live view by WebRTC (WHEP) where MediaMTX serves it: the console holds no camera password,
 * it signs a short read token per view (libs/media-auth view-token.ts) that MediaMTX's auth hook
 * checks. The key is read once at start: a console configured with a key it cannot read stops
 * there, not at the first view.
 */
@Injectable()
export class LiveViews {
  private readonly signer: ViewTokenSigner | undefined;
  private readonly base: string | undefined;

  constructor(@Inject(CONSOLE_CONFIG) config: ConsoleConfig) {
    if (config.WHEP_URL !== undefined && config.MEDIA_VIEW_KEY !== undefined) {
      this.signer = new ViewTokenSigner(readFileSync(config.MEDIA_VIEW_KEY));
      this.base = config.WHEP_URL.replace(/\/+$/, '');
    }
  }

  /** Whether the live view may try WebRTC at all (`/api/session` tells the page). */
  get enabled(): boolean {
    return this.signer !== undefined;
  }

  async grant(
    camera: Pick<CameraView, 'paths'>,
    stream: 'main' | 'sub',
    username: string,
  ): Promise<LiveViewGrant> {
    if (!this.signer || !this.base)
      throw new ConsoleError(
        'UNAVAILABLE',
        'no WebRTC server configured: the live view is by snapshots',
        503,
      );
    const path = camera.paths[stream];
    return {
      whepUrl: `${this.base}/${path}/whep`,
      token: await this.signer.sign({ path, sub: username }),
      expiresInS: VIEW_TOKEN_TTL_S,
      stream,
    };
  }
}
