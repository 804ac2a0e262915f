import type { CapturePlatform } from './capture.types.js';
import { CaptureArgsError } from './capture.types.js';

/**
 * ONVIF text overlays (OSD) as ffmpeg `drawtext` filters, drawn on each stream after its scaling
 * (filter.graph.ts) so that main, sub and the snapshots all carry them while the activity
 * detector's copy, taken before, does not. White text on a dark box, which reads on any desktop.
 */
export interface OverlayText {
  kind: 'Plain' | 'DateAndTime';
  plainText?: string;
  position: 'UpperLeft' | 'UpperRight' | 'LowerLeft' | 'LowerRight' | 'Custom';
  /** Custom only: ONVIF's normalised coordinates of the text's upper-left corner (-1…1, y up). */
  x?: number;
  y?: number;
  /** Pixels of the main stream (scaled in proportion on the sub). */
  fontSize: number;
}

/**
 * The text ffmpeg may be given: no `'`, `\`, `:`, `%`, brackets or `;`, which the filtergraph and
 * drawtext syntaxes would read. The same rule as the camera record's (contracts OSD_TEXT); checked
 * here again because this is where a slip would become a broken or injected filter.
 */
const SAFE_TEXT = /^[\p{L}\p{N} .,_#/()@+!?&*=-]{1,64}$/u;

/** Fonts every agent platform has: Debian's fonts-dejavu-core, Windows' Arial. */
export const OSD_FONT: Record<CapturePlatform, string> = {
  linux: '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf',
  win32: 'C:/Windows/Fonts/arial.ttf',
};

function num(v: number): string {
  return String(Number(v.toFixed(4)));
}

/** x and y expressions (drawtext: w, h the picture, tw, th the text), kept inside the picture. */
function place(o: OverlayText): { x: string; y: string } {
  const m = 'h/50';
  switch (o.position) {
    case 'UpperLeft':
      return { x: m, y: m };
    case 'UpperRight':
      return { x: `w-tw-${m}`, y: m };
    case 'LowerLeft':
      return { x: m, y: `h-th-${m}` };
    case 'LowerRight':
      return { x: `w-tw-${m}`, y: `h-th-${m}` };
    case 'Custom': {
      const fx = num(((o.x ?? 0) + 1) / 2);
      const fy = num((1 - (o.y ?? 0)) / 2);
      return { x: `min(max(0,${fx}*w),w-tw)`, y: `min(max(0,${fy}*h),h-th)` };
    }
  }
}

/**
 * The filter chain for `overlays` (no separators at either end), '' when there are none. Every
 * value is quoted for the filtergraph (commas in text and expressions), and plain text is drawn
 * with `expansion=none`, so nothing in it is read as a function. Positions are fractions of the
 * picture (margin h/50), so they need no scaling.
 */
export function osdFilters(
  overlays: readonly OverlayText[] | undefined,
  platform: CapturePlatform,
  /** The picture's height over the main stream's: the sub's overlays are as large in proportion. */
  scale = 1,
): string {
  if (!overlays?.length) return '';
  return overlays
    .map((o) => {
      let text: string;
      if (o.kind === 'Plain') {
        if (!o.plainText || !SAFE_TEXT.test(o.plainText))
          throw new CaptureArgsError(`OSD text ${JSON.stringify(o.plainText)} is not allowed`);
        text = `expansion=none:text='${o.plainText}'`;
      } else {
        // drawtext's localtime without an argument: %Y-%m-%d %H:%M:%S, the PC's clock.
        text = `text='%{localtime}'`;
      }
      if (!Number.isInteger(o.fontSize) || o.fontSize < 8 || o.fontSize > 128)
        throw new CaptureArgsError(`OSD font size ${o.fontSize} is outside 8-128`);
      const { x, y } = place(o);
      const size = Math.max(4, Math.round(o.fontSize * scale));
      return (
        // `\:`: drawtext's option parser keeps a drive letter's colon.
        `drawtext=fontfile='${OSD_FONT[platform].replaceAll(':', '\\:')}':${text}:fontsize=${size}:fontcolor=white:` +
        `box=1:boxcolor=black@0.6:boxborderw=${Math.max(2, Math.round(size / 6))}:x='${x}':y='${y}'`
      );
    })
    .join(',');
}
