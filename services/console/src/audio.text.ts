import type { AudioState } from '@desk-onvif/contracts';

/**
 * A camera's audio as the console says it (camera page, doctor): `streaming (aac, @DEFAULT_MONITOR@)`,
 * `lost (aac): <why>`, `unavailable: no loopback audio device…`, `off`. Pure: the browser bundles it.
 */
export function audioText(a: AudioState): string {
  const what = [a.codec, a.device].filter(Boolean).join(', ');
  return `${a.state}${what ? ` (${what})` : ''}${a.detail ? `: ${a.detail}` : ''}`;
}
