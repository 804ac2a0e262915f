import type { CaptureSourceSetting } from '@desk-onvif/contracts';

/** A camera's capture source in words, for the camera page and the effect of a change. */
export function sourceText(source: CaptureSourceSetting | undefined): string {
  if (!source) return "the agent's configured source";
  switch (source.kind) {
    case 'desktop':
      return 'the whole desktop';
    case 'monitor':
      return `monitor ${source.index}`;
    case 'region':
      return `the region ${source.width}x${source.height} at ${source.x},${source.y}`;
    case 'window':
      return `the window "${source.title}"`;
  }
}
