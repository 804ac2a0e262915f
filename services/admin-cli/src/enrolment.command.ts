import { Enrolment, call } from '@desk-onvif/contracts';
import type { Requester } from '@desk-onvif/contracts';
import type { Output } from './cameras.command.js';
import { Exit, UsageError } from './exit.codes.js';

export interface EnrolmentFlags {
  'expires-in'?: string;
  'max-uses'?: string;
  'host-id'?: string;
  label?: string;
}

function positiveInt(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || Number(text) < 1) throw new UsageError(`--${name} must be a whole number ≥ 1`);
  return Number(text);
}

/**
 * `enrolment issue|list|revoke`, `camera revoke`, `host revoke`, `binding reset`: the registry's
 * enrolment requests. A new token is a secret: it goes to standard output once, its summary to
 * standard error, so `TOKEN=$(desk-onvif enrolment issue)` captures the token alone.
 */
export async function enrolmentCommand(
  nc: Requester,
  noun: string,
  verb: string | undefined,
  arg: string | undefined,
  flags: EnrolmentFlags,
  out: Output,
): Promise<number> {
  const print = (value: unknown, text: string) => out.write(`${out.json ? JSON.stringify(value) : text}\n`);
  const need = (what: string) => {
    if (!arg) throw new UsageError(`${noun} ${verb} <${what}>`);
    return arg;
  };
  switch (`${noun} ${verb ?? ''}`.trim()) {
    case 'enrolment issue': {
      const expiresInS = positiveInt('expires-in', flags['expires-in']);
      const maxUses = positiveInt('max-uses', flags['max-uses']);
      const { enrolment, token } = await call(nc, Enrolment.issue, {
        ...(expiresInS ? { expiresInS } : {}),
        ...(maxUses ? { maxUses } : {}),
        ...(flags['host-id'] ? { hostId: flags['host-id'] } : {}),
        ...(flags.label ? { label: flags.label } : {}),
      });
      process.stderr.write(
        `enrolment ${enrolment.id}: ${enrolment.maxUses} use(s) until ${enrolment.expiresAt}` +
          `${enrolment.hostId ? `, PC ${enrolment.hostId} only` : ''}\n`,
      );
      print({ enrolment, token }, token);
      return Exit.ok;
    }
    case 'enrolment list': {
      const { enrolments } = await call(nc, Enrolment.list, {});
      print(enrolments, JSON.stringify(enrolments, null, 2));
      return Exit.ok;
    }
    case 'enrolment revoke': {
      const { enrolment } = await call(nc, Enrolment.revoke, { id: need('token id') });
      print(enrolment, JSON.stringify(enrolment, null, 2));
      return Exit.ok;
    }
    case 'camera revoke':
    case 'host revoke': {
      const target = noun === 'camera' ? { cameraId: need('camera id') } : { hostId: need('host id') };
      const { revoked } = await call(nc, Enrolment.revokeCameras, target);
      print(revoked, JSON.stringify(revoked));
      return Exit.ok;
    }
    case 'binding reset': {
      const { cameraId } = await call(nc, Enrolment.resetBinding, { cameraId: need('camera id') });
      print({ cameraId }, cameraId);
      return Exit.ok;
    }
    default:
      throw new UsageError(`unknown command: ${[noun, verb].filter(Boolean).join(' ')}`);
  }
}
