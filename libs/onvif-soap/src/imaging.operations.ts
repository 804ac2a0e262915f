import { ImagingSettingsSchema, NEUTRAL_IMAGING, type ImagingSettings } from '@desk-onvif/contracts';
import type { Operation, OperationContext } from './operation.types.js';
import { Tokens } from './profiles.js';
import { Faults } from './soap.fault.js';
import { child, textAt } from './xml.js';

/**
 * Imaging service ver20 (ONVIF Imaging Service Specification, ver20/imaging/wsdl): brightness,
 * colour saturation, contrast and sharpness of the one video source, 0-100 (50: as captured). The
 * agent applies them to the capture with ffmpeg filters (ffmpeg-args' picture.filters.ts); they are
 * kept in the camera record's settings. No focus, exposure, IR cut or presets: a desktop has none.
 */

export function imagingServiceCapabilitiesXml(tag: string): string {
  return `<${tag} ImageStabilization="false" Presets="false" AdaptablePreset="false"/>`;
}

/** The one video source; anything else is ONVIF's NoSource. */
function checkSource(ctx: OperationContext): void {
  const token = textAt(ctx.request, 'VideoSourceToken');
  if (token !== Tokens.videoSource)
    throw Faults.invalidArgVal('NoSource', `no video source "${token ?? ''}"`);
}

export function imagingOf(ctx: OperationContext): ImagingSettings {
  return ctx.camera.settings.imaging ?? NEUTRAL_IMAGING;
}

/** tt:ImagingSettings20 keeps the schema's order: Brightness, ColorSaturation, Contrast, Sharpness. */
function settingsXml(s: ImagingSettings): string {
  return (
    `<tt:Brightness>${s.brightness}</tt:Brightness><tt:ColorSaturation>${s.saturation}</tt:ColorSaturation>` +
    `<tt:Contrast>${s.contrast}</tt:Contrast><tt:Sharpness>${s.sharpness}</tt:Sharpness>`
  );
}

const range = (tag: string) => `<tt:${tag}><tt:Min>0</tt:Min><tt:Max>100</tt:Max></tt:${tag}>`;

/** The fields of ImagingSettings20 this device adjusts, by element name. */
const FIELDS = {
  Brightness: 'brightness',
  ColorSaturation: 'saturation',
  Contrast: 'contrast',
  Sharpness: 'sharpness',
} as const satisfies Record<string, keyof ImagingSettings>;

/** What a SetImagingSettings asks for: the current values with the given ones on top, checked. */
export function requestedImaging(ctx: OperationContext): ImagingSettings {
  const settings = child(ctx.request, 'ImagingSettings');
  if (!settings) throw Faults.invalidArgVal('SettingsInvalid', 'ImagingSettings is missing');
  const next: ImagingSettings = { ...imagingOf(ctx) };
  for (const c of settings.children) {
    const field = (FIELDS as Record<string, keyof ImagingSettings | undefined>)[c.local];
    // Exposure, focus, IR cut, white balance…: a desktop has none of them; saying so beats ignoring it.
    if (!field) throw Faults.invalidArgVal('SettingsInvalid', `${c.local} cannot be adjusted on this device`);
    const n = Number(c.text.trim());
    if (c.text.trim() === '' || !Number.isFinite(n))
      throw Faults.invalidArgVal('SettingsInvalid', `${c.local}: "${c.text}" is not a number`);
    next[field] = n;
  }
  const checked = ImagingSettingsSchema.safeParse(next);
  if (!checked.success) {
    const field = String(checked.error.issues[0]?.path[0] ?? '');
    const name = Object.entries(FIELDS).find(([, f]) => f === field)?.[0] ?? field;
    throw Faults.invalidArgVal('SettingsInvalid', `${name} must lie within 0-100`);
  }
  return checked.data;
}

export const imagingOperations: Operation[] = [
  {
    service: 'imaging',
    name: 'GetServiceCapabilities',
    access: 'PRE_AUTH',
    handle: () => ({
      body: `<timg:GetServiceCapabilitiesResponse>${imagingServiceCapabilitiesXml('timg:Capabilities')}</timg:GetServiceCapabilitiesResponse>`,
    }),
  },
  {
    service: 'imaging',
    name: 'GetImagingSettings',
    access: 'READ_MEDIA',
    handle: (ctx) => {
      checkSource(ctx);
      return {
        body:
          `<timg:GetImagingSettingsResponse><timg:ImagingSettings>${settingsXml(imagingOf(ctx))}` +
          `</timg:ImagingSettings></timg:GetImagingSettingsResponse>`,
      };
    },
  },
  {
    service: 'imaging',
    name: 'GetOptions',
    access: 'READ_MEDIA',
    handle: (ctx) => {
      checkSource(ctx);
      return {
        body:
          `<timg:GetOptionsResponse><timg:ImagingOptions>` +
          `${range('Brightness')}${range('ColorSaturation')}${range('Contrast')}${range('Sharpness')}` +
          `</timg:ImagingOptions></timg:GetOptionsResponse>`,
      };
    },
  },
  {
    service: 'imaging',
    name: 'SetImagingSettings',
    access: 'ACTUATE',
    handle: (ctx) => {
      checkSource(ctx);
      const imaging = requestedImaging(ctx);
      return {
        body: `<timg:SetImagingSettingsResponse/>`,
        effect: { kind: 'settings', settings: { ...ctx.camera.settings, imaging } },
      };
    },
  },
  // No focus motor: GetMoveOptions, Move and Stop say so (Imaging 6.3: ActionNotSupported).
  ...(['GetMoveOptions', 'Move', 'Stop', 'GetStatus'] as const).map((name): Operation => ({
    service: 'imaging',
    name,
    access: name === 'GetMoveOptions' || name === 'GetStatus' ? 'READ_MEDIA' : 'ACTUATE',
    handle: (ctx) => {
      checkSource(ctx);
      throw Faults.actionNotSupported(`${name}: the desktop has no focus to move`);
    },
  })),
];
