import {
  ConsoleRequests,
  NotFoundError,
  Registry,
  cameraSubjects,
  call,
  type CameraPatch,
  type CameraRecord,
  type CaptureSourceSetting,
  type StreamSettings,
} from '@desk-onvif/contracts';
import type { Requester } from '@desk-onvif/contracts';
import { Exit, UsageError } from './exit.codes.js';

export interface Output {
  json: boolean;
  write(text: string): void;
}

/** A camera as the CLI shows it: never its publish secret. */
export function publicView(c: CameraRecord): Omit<CameraRecord, 'publish'> {
  const { publish: _secret, ...rest } = c;
  return rest;
}

export async function allCameras(nc: Requester): Promise<CameraRecord[]> {
  const out: CameraRecord[] = [];
  let cursor: string | undefined;
  do {
    const page = await call(nc, Registry.list, { limit: 1000, ...(cursor ? { cursor } : {}) });
    out.push(...page.cameras);
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}

/** A camera by id, or by its exact name when that names one camera. */
export async function resolveCamera(nc: Requester, ref: string | undefined): Promise<CameraRecord> {
  if (!ref) throw new UsageError('which camera? give its id or its name');
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(ref))
    return (await call(nc, Registry.get, { id: ref.toLowerCase() })).camera;
  const named = (await allCameras(nc)).filter((c) => c.name === ref);
  if (named.length === 1) return named[0]!;
  if (named.length === 0) throw new NotFoundError(`no camera named "${ref}"`);
  throw new UsageError(
    `${named.length} cameras are named "${ref}": use the id (${named.map((c) => c.id).join(', ')})`,
  );
}

/** `1280x720@15:2000` (size, then optional fps and kbps), over the camera's current settings. */
export function parseStream(text: string, current: StreamSettings): StreamSettings {
  const m = /^(\d+)x(\d+)(?:@(\d+))?(?::(\d+))?$/.exec(text);
  if (!m) throw new UsageError(`"${text}": a stream is WIDTHxHEIGHT[@FPS][:KBPS], e.g. 1280x720@15:2000`);
  return {
    ...current,
    width: Number(m[1]),
    height: Number(m[2]),
    ...(m[3] ? { fps: Number(m[3]) } : {}),
    ...(m[4] ? { bitrateKbps: Number(m[4]) } : {}),
  };
}

/**
 * `desktop`, `monitor:N`, `region:X,Y,WxH`, `window:TITLE` (as the agent's AGENT_SOURCE), or
 * `configured`: back to the agent's own source.
 */
export function parseSourceSetting(text: string): CaptureSourceSetting | undefined {
  if (text === 'configured') return undefined;
  if (text === 'desktop') return { kind: 'desktop' };
  const monitor = /^monitor:(\d+)$/.exec(text);
  if (monitor) return { kind: 'monitor', index: Number(monitor[1]) };
  const region = /^region:(-?\d+),(-?\d+),(\d+)x(\d+)$/.exec(text);
  if (region) {
    const [x, y, width, height] = region.slice(1).map(Number) as [number, number, number, number];
    return { kind: 'region', x, y, width, height };
  }
  if (text.startsWith('window:') && text.length > 'window:'.length)
    return { kind: 'window', title: text.slice('window:'.length) };
  throw new UsageError(
    `"${text}": a source is desktop, monitor:N, region:X,Y,WxH, window:TITLE or configured`,
  );
}

function table(cameras: CameraRecord[]): string {
  const rows = cameras.map((c) => [
    c.id,
    c.name,
    c.userName ? `${c.hostName}/${c.userName}` : c.hostName,
    c.mode,
    c.online ? 'online' : 'OFFLINE',
    String(c.onvifPort),
  ]);
  const head = ['ID', 'NAME', 'PC/USER', 'MODE', 'STATE', 'PORT'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return (
    [head, ...rows]
      .map((r) =>
        r
          .map((v, i) => v.padEnd(widths[i]!))
          .join('  ')
          .trimEnd(),
      )
      .join('\n') + '\n'
  );
}

export interface CameraFlags {
  state?: string;
  mode?: string;
  main?: string;
  sub?: string;
  discovery?: string;
  source?: string;
}

/** `cameras list|show|rename|set-port|settings|remove`. */
export async function camerasCommand(
  nc: Requester,
  verb: string | undefined,
  args: string[],
  flags: CameraFlags,
  out: Output,
): Promise<number> {
  const print = (value: unknown, text: string) =>
    out.write(out.json ? `${JSON.stringify(value, null, 2)}\n` : text);
  switch (verb) {
    case 'list': {
      const cams = (await allCameras(nc))
        .filter((c) => !flags.state || (flags.state === 'online') === c.online)
        .filter((c) => !flags.mode || c.mode === flags.mode)
        .sort((a, b) => a.name.localeCompare(b.name));
      print(cams.map(publicView), table(cams));
      return Exit.ok;
    }
    case 'show': {
      const c = await resolveCamera(nc, args[0]);
      print(publicView(c), `${JSON.stringify(publicView(c), null, 2)}\n`);
      return Exit.ok;
    }
    case 'rename':
    case 'set-port':
    case 'settings': {
      const c = await resolveCamera(nc, args[0]);
      const patch: CameraPatch = {};
      if (verb === 'rename') {
        if (!args[1]) throw new UsageError('cameras rename <camera> <new name>');
        patch.name = args.slice(1).join(' ');
      } else if (verb === 'set-port') {
        const port = Number(args[1]);
        if (!Number.isInteger(port) || port < 1 || port > 65535)
          throw new UsageError('cameras set-port <camera> <1-65535>');
        patch.onvifPort = port;
      } else {
        if (flags.main || flags.sub || flags.source !== undefined) {
          // Imaging and anything else the record carries stay as they are.
          const { source: current, ...rest } = c.settings;
          const source = flags.source !== undefined ? parseSourceSetting(flags.source) : current;
          let settings = {
            ...rest,
            main: flags.main ? parseStream(flags.main, c.settings.main) : c.settings.main,
            sub: flags.sub ? parseStream(flags.sub, c.settings.sub) : c.settings.sub,
            ...(source ? { source } : {}),
          };
          // As the ONVIF path does: the agent first (it answers with what it applied), then the registry.
          if (c.online) settings = (await call(nc, cameraSubjects(c.id).settings, { settings })).settings;
          patch.settings = settings;
        }
        if (flags.discovery) {
          if (flags.discovery !== 'Discoverable' && flags.discovery !== 'NonDiscoverable')
            throw new UsageError('--discovery Discoverable|NonDiscoverable');
          patch.discoveryMode = flags.discovery;
        }
        if (Object.keys(patch).length === 0)
          throw new UsageError(
            'cameras settings <camera> [--main WxH@FPS:KBPS] [--sub …] [--source …] [--discovery …]',
          );
      }
      const updated = (await call(nc, Registry.update, { id: c.id, patch })).camera;
      print(publicView(updated), `${updated.name} (${updated.id}): updated\n`);
      return Exit.ok;
    }
    case 'remove': {
      const c = await resolveCamera(nc, args[0]);
      await call(nc, Registry.remove, { id: c.id });
      print({ id: c.id, removed: true }, `${c.name} (${c.id}): removed\n`);
      return Exit.ok;
    }
    case undefined:
    default:
      throw new UsageError('cameras list|show|rename|set-port|settings|remove');
  }
}

/** `doctor <camera>`: the console's seven checks; exit 6 when one fails. */
export async function doctorCommand(nc: Requester, ref: string | undefined, out: Output): Promise<number> {
  const c = await resolveCamera(nc, ref);
  const reply = await call(nc, ConsoleRequests.doctor, { id: c.id }, 15_000);
  const marks = { pass: 'ok  ', warn: 'WARN', fail: 'FAIL' } as const;
  out.write(
    out.json
      ? `${JSON.stringify({ cameraId: reply.cameraId, name: reply.name, checks: reply.checks }, null, 2)}\n`
      : `${reply.name} (${reply.cameraId})\n` +
          reply.checks
            .map(
              (k) =>
                `  ${marks[k.status]}  ${k.title}: ${k.detail}${k.fix ? `\n        what to do: ${k.fix}` : ''}`,
            )
            .join('\n') +
          '\n',
  );
  return reply.checks.some((k) => k.status === 'fail') ? Exit.checksFailed : Exit.ok;
}
