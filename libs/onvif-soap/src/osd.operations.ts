import { MAX_OSDS, OSD_TEXT, OsdSchema, type Osd } from '@desk-onvif/contracts';
import type { Operation, OperationContext, ServiceName } from './operation.types.js';
import { Tokens } from './profiles.js';
import { Faults, SoapFault } from './soap.fault.js';
import { attr, child, esc, textAt, type XmlNode } from './xml.js';

/**
 * OSD (on-screen display), Media ver10 §5.14 and Media2 §5.11: text overlays on the one video
 * source configuration, burned into the capture by the agent (ffmpeg drawtext, libs/ffmpeg-args
 * osd.filters.ts) and kept in the camera record's `settings.osd`. Text only: `Plain` and
 * `DateAndTime` (yyyy-MM-dd HH:mm:ss, the PC's clock); the five ONVIF positions; white text on a
 * dark box (no colour choice).
 */

export const OSD_DATE_FORMAT = 'yyyy-MM-dd';
export const OSD_TIME_FORMAT = 'HH:mm:ss';
const DEFAULT_FONT_SIZE = 32;
const POSITIONS = ['UpperLeft', 'UpperRight', 'LowerLeft', 'LowerRight', 'Custom'] as const;

function osdsOf(ctx: OperationContext): Osd[] {
  return ctx.camera.settings.osd ?? [];
}

/** tt:OSDConfiguration in the schema's order. */
export function osdXml(tag: string, o: Osd): string {
  const pos = o.position === 'Custom' ? `<tt:Pos x="${o.x ?? 0}" y="${o.y ?? 0}"/>` : '';
  const formats =
    o.kind === 'DateAndTime'
      ? `<tt:DateFormat>${OSD_DATE_FORMAT}</tt:DateFormat><tt:TimeFormat>${OSD_TIME_FORMAT}</tt:TimeFormat>`
      : '';
  const plain = o.kind === 'Plain' ? `<tt:PlainText>${esc(o.plainText ?? '')}</tt:PlainText>` : '';
  return (
    `<${tag} token="${esc(o.token)}"><tt:VideoSourceConfigurationToken>${Tokens.videoSourceConfig}</tt:VideoSourceConfigurationToken>` +
    `<tt:Type>Text</tt:Type><tt:Position><tt:Type>${o.position}</tt:Type>${pos}</tt:Position>` +
    `<tt:TextString><tt:Type>${o.kind}</tt:Type>${formats}<tt:FontSize>${o.fontSize}</tt:FontSize>${plain}</tt:TextString>` +
    `</${tag}>`
  );
}

function optionsXml(tag: string): string {
  return (
    `<${tag}><tt:MaximumNumberOfOSDs Total="${MAX_OSDS}" PlainText="${MAX_OSDS}" DateAndTime="${MAX_OSDS}"/>` +
    `<tt:Type>Text</tt:Type>${POSITIONS.map((p) => `<tt:PositionOption>${p}</tt:PositionOption>`).join('')}` +
    `<tt:TextOption><tt:Type>Plain</tt:Type><tt:Type>DateAndTime</tt:Type>` +
    `<tt:FontSizeRange><tt:Min>8</tt:Min><tt:Max>128</tt:Max></tt:FontSizeRange>` +
    `<tt:DateFormat>${OSD_DATE_FORMAT}</tt:DateFormat><tt:TimeFormat>${OSD_TIME_FORMAT}</tt:TimeFormat></tt:TextOption>` +
    `</${tag}>`
  );
}

/** The one video source configuration; anything else is ONVIF's NoConfig. */
function checkConfig(token: string | undefined): void {
  if (token !== undefined && token !== Tokens.videoSourceConfig)
    throw Faults.invalidArgVal('NoConfig', `no video source configuration "${token}"`);
}

function find(ctx: OperationContext, token: string | undefined): Osd {
  const o = osdsOf(ctx).find((x) => x.token === token);
  if (!o) throw Faults.invalidArgVal('NoConfig', `no OSD "${token ?? ''}"`);
  return o;
}

const refuse = (reason: string) => Faults.invalidArgVal('ConfigModify', reason);

/** A request's tt:OSDConfiguration as a record entry, or a ConfigModify fault saying what is wrong. */
export function parseOsd(node: XmlNode | undefined, token: string): Osd {
  if (!node) throw Faults.invalidArgs('OSD is missing');
  const source = textAt(node, 'VideoSourceConfigurationToken');
  if (source === undefined) throw refuse('VideoSourceConfigurationToken is missing');
  checkConfig(source);
  const type = textAt(node, 'Type');
  if (type !== 'Text') throw refuse(`OSD Type "${type ?? ''}": only Text overlays are drawn`);
  const position = textAt(node, 'Position', 'Type') ?? '';
  if (!(POSITIONS as readonly string[]).includes(position))
    throw refuse(`Position "${position}": one of ${POSITIONS.join(', ')}`);
  const text = child(node, 'TextString');
  if (!text) throw refuse('TextString is missing');
  const kind = textAt(text, 'Type');
  if (kind !== 'Plain' && kind !== 'DateAndTime')
    throw refuse(`TextString Type "${kind ?? ''}": Plain or DateAndTime`);
  const date = textAt(text, 'DateFormat');
  const time = textAt(text, 'TimeFormat');
  if ((date !== undefined && date !== OSD_DATE_FORMAT) || (time !== undefined && time !== OSD_TIME_FORMAT))
    throw refuse(`date and time are drawn as ${OSD_DATE_FORMAT} ${OSD_TIME_FORMAT}`);
  if (child(text, 'FontColor') || child(text, 'BackgroundColor'))
    throw refuse('the colours are fixed: white text on a dark box');
  const size = textAt(text, 'FontSize');
  const fontSize = size === undefined ? DEFAULT_FONT_SIZE : Number(size);
  const plainText = textAt(text, 'PlainText');
  if (kind === 'Plain' && (plainText === undefined || !OSD_TEXT.test(plainText)))
    throw refuse(
      'PlainText: 1-64 letters, digits, spaces and . , _ # / ( ) @ + ! ? & * = - (no quotes, colons, % or brackets)',
    );
  const pos = child(child(node, 'Position'), 'Pos');
  const x = pos ? Number(attr(pos, 'x')) : undefined;
  const y = pos ? Number(attr(pos, 'y')) : undefined;
  const candidate = {
    token,
    kind,
    ...(kind === 'Plain' ? { plainText } : {}),
    position,
    ...(position === 'Custom' ? { x, y } : {}),
    fontSize,
  };
  const checked = OsdSchema.safeParse(candidate);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    const field = issue?.path.join('.') || '';
    throw refuse(
      field === 'fontSize'
        ? `FontSize "${size ?? ''}" must be a whole number within 8-128`
        : field === 'x' || field === 'y'
          ? 'Custom Pos x and y must lie within -1 and 1'
          : (issue?.message ?? 'invalid OSD'),
    );
  }
  return checked.data;
}

/** The next free `osd_<n>`. */
function newToken(existing: readonly Osd[]): string {
  for (let n = 1; ; n++) if (!existing.some((o) => o.token === `osd_${n}`)) return `osd_${n}`;
}

function withOsds(ctx: OperationContext, osd: Osd[]) {
  return { kind: 'settings' as const, settings: { ...ctx.camera.settings, osd } };
}

/** The five (Media2) or six (Media ver10, with GetOSD) operations of one service. */
function osdOperations(service: Extract<ServiceName, 'media' | 'media2'>): Operation[] {
  const p = service === 'media' ? 'trt' : 'tr2';
  const empty = (name: string) => `<${p}:${name}Response/>`;
  const ops: Operation[] = [
    {
      service,
      name: 'GetOSDs',
      access: 'READ_MEDIA',
      handle: (ctx) => {
        checkConfig(textAt(ctx.request, 'ConfigurationToken'));
        const token = textAt(ctx.request, 'OSDToken');
        const list = token === undefined ? osdsOf(ctx) : [find(ctx, token)];
        return {
          body: `<${p}:GetOSDsResponse>${list.map((o) => osdXml(`${p}:OSDs`, o)).join('')}</${p}:GetOSDsResponse>`,
        };
      },
    },
    {
      service,
      name: 'GetOSDOptions',
      access: 'READ_MEDIA',
      handle: (ctx) => {
        const token = textAt(ctx.request, 'ConfigurationToken');
        if (token === undefined) throw Faults.invalidArgs('ConfigurationToken is missing');
        checkConfig(token);
        return {
          body: `<${p}:GetOSDOptionsResponse>${optionsXml(`${p}:OSDOptions`)}</${p}:GetOSDOptionsResponse>`,
        };
      },
    },
    {
      service,
      name: 'CreateOSD',
      access: 'ACTUATE',
      handle: (ctx) => {
        const existing = osdsOf(ctx);
        if (existing.length >= MAX_OSDS)
          throw new SoapFault('Receiver', ['Action', 'MaxOSDs'], `at most ${MAX_OSDS} OSDs`);
        const token = newToken(existing);
        const osd = parseOsd(child(ctx.request, 'OSD'), token);
        return {
          body: `<${p}:CreateOSDResponse><${p}:OSDToken>${token}</${p}:OSDToken></${p}:CreateOSDResponse>`,
          effect: withOsds(ctx, [...existing, osd]),
        };
      },
    },
    {
      service,
      name: 'SetOSD',
      access: 'ACTUATE',
      handle: (ctx) => {
        const node = child(ctx.request, 'OSD');
        const token = find(ctx, attr(node, 'token')).token;
        const osd = parseOsd(node, token);
        return {
          body: empty('SetOSD'),
          effect: withOsds(
            ctx,
            osdsOf(ctx).map((o) => (o.token === token ? osd : o)),
          ),
        };
      },
    },
    {
      service,
      name: 'DeleteOSD',
      access: 'ACTUATE',
      handle: (ctx) => {
        const token = find(ctx, textAt(ctx.request, 'OSDToken')).token;
        return {
          body: empty('DeleteOSD'),
          effect: withOsds(
            ctx,
            osdsOf(ctx).filter((o) => o.token !== token),
          ),
        };
      },
    },
  ];
  if (service === 'media')
    ops.push({
      service,
      name: 'GetOSD',
      access: 'READ_MEDIA',
      handle: (ctx) => ({
        body: `<trt:GetOSDResponse>${osdXml('trt:OSD', find(ctx, textAt(ctx.request, 'OSDToken')))}</trt:GetOSDResponse>`,
      }),
    });
  return ops;
}

export const osdOperations10 = osdOperations('media');
export const osdOperations20 = osdOperations('media2');
