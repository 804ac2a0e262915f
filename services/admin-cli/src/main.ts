#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { connect, credsAuthenticator } from '@nats-io/transport-node';
import { DeskOnvifError, Enrolment, call, roleInboxPrefix } from '@desk-onvif/contracts';
import { ensureTrust } from './trust.command.js';

/**
 * `desk-onvif`: the administrator's command line. Talks to the registry over NATS with the admin
 * credential (DESK_ONVIF_NATS_URL, DESK_ONVIF_NATS_CREDS, DESK_ONVIF_NATS_CA, or --trust-dir of
 * `trust init`). Secrets it prints (an enrolment token) go to standard output only, once.
 */
const USAGE = `usage: desk-onvif <command>
  trust init --dir <dir> --host <name or address>… [--port 4222] [--listen 0.0.0.0] [--container]
                                   site CA, server certificate, NATS operator/accounts/credentials, nats.conf
  enrolment issue [--expires-in <seconds>] [--max-uses <n>] [--host-id <id>] [--label <text>]
                                   prints a new enrolment token (a secret: give it like a password)
  enrolment list | enrolment revoke <token id>
  camera revoke <camera id> | host revoke <host id>
                                   closes their NATS connections now, refuses their credentials from now on
  binding reset <camera id>        the re-installed PC enrols again, same camera id and ONVIF port
options for the NATS commands: --trust-dir <dir> (as written by trust init), or the variables
  DESK_ONVIF_NATS_URL (nats://127.0.0.1:4222), DESK_ONVIF_NATS_CREDS, DESK_ONVIF_NATS_CA`;

const options = {
  dir: { type: 'string' },
  host: { type: 'string', multiple: true },
  port: { type: 'string' },
  listen: { type: 'string' },
  container: { type: 'boolean' },
  'trust-dir': { type: 'string' },
  'expires-in': { type: 'string' },
  'max-uses': { type: 'string' },
  'host-id': { type: 'string' },
  label: { type: 'string' },
  help: { type: 'boolean' },
} as const;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true });
  const [noun, verb, arg] = positionals;
  if (values.help || !noun) return (out(USAGE), noun ? 0 : 2);
  if (noun === 'trust' && verb === 'init') {
    if (!values.dir) return fail('--dir is required');
    const summary = await ensureTrust({
      dir: values.dir,
      hosts: (values.host ?? []).flatMap((h) => h.split(',')).filter(Boolean),
      port: Number(values.port ?? 4222),
      listen: values.listen ?? '127.0.0.1',
      container: values.container ?? false,
    });
    return (out(JSON.stringify(summary, null, 2)), 0);
  }
  const nc = await connectAdmin(values['trust-dir']);
  try {
    switch (`${noun} ${verb ?? ''}`.trim()) {
      case 'enrolment issue': {
        const reply = await call(nc, Enrolment.issue, {
          ...(values['expires-in'] ? { expiresInS: Number(values['expires-in']) } : {}),
          ...(values['max-uses'] ? { maxUses: Number(values['max-uses']) } : {}),
          ...(values['host-id'] ? { hostId: values['host-id'] } : {}),
          ...(values.label ? { label: values.label } : {}),
        });
        process.stderr.write(
          `enrolment ${reply.enrolment.id}: ${reply.enrolment.maxUses} use(s) until ${reply.enrolment.expiresAt}` +
            `${reply.enrolment.hostId ? `, PC ${reply.enrolment.hostId} only` : ''}\n`,
        );
        return (out(reply.token), 0);
      }
      case 'enrolment list':
        return (out(JSON.stringify((await call(nc, Enrolment.list, {})).enrolments, null, 2)), 0);
      case 'enrolment revoke':
        if (!arg) return fail('enrolment revoke <token id>');
        return (out(JSON.stringify((await call(nc, Enrolment.revoke, { id: arg })).enrolment, null, 2)), 0);
      case 'camera revoke':
        if (!arg) return fail('camera revoke <camera id>');
        return (out(JSON.stringify((await call(nc, Enrolment.revokeCameras, { cameraId: arg })).revoked)), 0);
      case 'host revoke':
        if (!arg) return fail('host revoke <host id>');
        return (out(JSON.stringify((await call(nc, Enrolment.revokeCameras, { hostId: arg })).revoked)), 0);
      case 'binding reset':
        if (!arg) return fail('binding reset <camera id>');
        return (out((await call(nc, Enrolment.resetBinding, { cameraId: arg })).cameraId), 0);
      default:
        return fail(`unknown command: ${positionals.join(' ')}`);
    }
  } finally {
    await nc.close();
  }
}

function connectAdmin(trustDir: string | undefined) {
  const env = process.env;
  const creds = trustDir ? join(trustDir, 'nats', 'creds', 'admin.creds') : env['DESK_ONVIF_NATS_CREDS'];
  const ca = trustDir ? join(trustDir, 'pki', 'ca.crt') : env['DESK_ONVIF_NATS_CA'];
  return connect({
    servers: (env['DESK_ONVIF_NATS_URL'] ?? 'nats://127.0.0.1:4222').split(','),
    name: 'desk-onvif admin',
    ...(creds ? { authenticator: credsAuthenticator(readFileSync(creds)) } : {}),
    ...(ca ? { tls: { caFile: ca } } : {}),
    inboxPrefix: roleInboxPrefix('admin'),
    reconnect: false,
    timeout: 5000,
  });
}

function out(text: string): void {
  process.stdout.write(`${text}\n`);
}

function fail(message: string): number {
  process.stderr.write(`${message}\n${USAGE}\n`);
  return 2;
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (err) {
  const code = err instanceof DeskOnvifError ? `${err.code}: ` : '';
  process.stderr.write(`desk-onvif: ${code}${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
}
