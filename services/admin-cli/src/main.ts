#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { connect, credsAuthenticator } from '@nats-io/transport-node';
import { DeskOnvifError, roleInboxPrefix } from '@desk-onvif/contracts';
import { camerasCommand, doctorCommand, type Output } from './cameras.command.js';
import { enrolmentCommand } from './enrolment.command.js';
import { Exit, UsageError, exitCodeOf } from './exit.codes.js';
import { ensureTrust } from './trust.command.js';
import { firstLineOfStdin, usersCommand } from './users.command.js';

/**
 * `desk-onvif`: the administrator's command line, the console's operations for scripts. Talks over
 * NATS with the administrator's credential: `--trust-dir` (as `trust init` wrote it), or
 * DESK_ONVIF_NATS_URL (nats://127.0.0.1:4222), DESK_ONVIF_NATS_CREDS and DESK_ONVIF_NATS_CA; a
 * site still on a shared token: DESK_ONVIF_NATS_TOKEN. Secrets it prints (an enrolment token) go to
 * standard output only, once.
 */
const USAGE = `usage: desk-onvif [--json] [--trust-dir <dir>] <command>
  cameras list [--state online|offline] [--mode shared|per-user]
  cameras show <camera>                    <camera>: its id, or its name when unique
  cameras rename <camera> <new name>
  cameras set-port <camera> <port>
  cameras settings <camera> [--main WxH[@FPS][:KBPS]] [--sub WxH[@FPS][:KBPS]] [--discovery Discoverable|NonDiscoverable]
                           [--source desktop|monitor:N|region:X,Y,WxH|window:TITLE|configured]
  cameras remove <camera>
  users list <camera>                      a camera's ONVIF users and levels
  users add <camera> <username> [--level Administrator|Operator|User] [--password-stdin]
  users reset-password <camera> <username> [--password-stdin]
                                           without --password-stdin a password is generated and printed once
  users set-level <camera> <username> <Administrator|Operator|User>
  users remove <camera> <username>         a camera is never left without an Administrator (refused: 3)
  doctor <camera>                          the seven "NVR cannot connect" checks (asks the console)
  enrolment issue [--expires-in <seconds>] [--max-uses <n>] [--host-id <id>] [--label <text>]
                                           prints a new enrolment token (a secret: give it like a password)
  enrolment list | enrolment revoke <token id>
  camera revoke <camera id> | host revoke <host id>
                                           closes their NATS connections now, refuses their credentials from now on
  binding reset <camera id>                the re-installed PC enrols again, same camera id and ONVIF port
  trust init --dir <dir> --host <name or address>… [--port 4222] [--listen 0.0.0.0] [--container] [--owner uid:gid]
                                           site CA, server certificate, NATS operator/accounts/credentials, nats.conf;
                                           kept when they exist (nats.conf is rendered again)
exit codes: 0 done, 1 unexpected error, 2 usage, 3 refused (invalid, port in use, conflict, expired),
  4 not found, 5 unavailable (NATS, the registry, the onvif service, the console or the agent did not answer),
  6 doctor: a check failed`;

const options = {
  json: { type: 'boolean' },
  help: { type: 'boolean' },
  'trust-dir': { type: 'string' },
  state: { type: 'string' },
  mode: { type: 'string' },
  main: { type: 'string' },
  sub: { type: 'string' },
  discovery: { type: 'string' },
  source: { type: 'string' },
  dir: { type: 'string' },
  host: { type: 'string', multiple: true },
  port: { type: 'string' },
  listen: { type: 'string' },
  container: { type: 'boolean' },
  owner: { type: 'string' },
  'expires-in': { type: 'string' },
  'max-uses': { type: 'string' },
  'host-id': { type: 'string' },
  label: { type: 'string' },
  level: { type: 'string' },
  // A password never on the command line (ps, shell history): from standard input, or generated.
  'password-stdin': { type: 'boolean' },
} as const;

const NATS_NOUNS = new Set(['cameras', 'users', 'doctor', 'enrolment', 'camera', 'host', 'binding']);

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true });
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
    return Exit.usage;
  }
  const { values, positionals } = parsed;
  const [noun, verb, ...rest] = positionals;
  if (values.help) return (process.stdout.write(`${USAGE}\n`), Exit.ok);
  const out: Output = { json: values.json ?? false, write: (t) => process.stdout.write(t) };
  if (noun === 'trust' && verb === 'init') {
    if (!values.dir) return usage('--dir is required');
    if (values.owner && !/^\d+:\d+$/.test(values.owner))
      return usage('--owner must be <uid>:<gid> in numbers');
    const summary = await ensureTrust({
      dir: values.dir,
      hosts: (values.host ?? []).flatMap((h) => h.split(',')).filter(Boolean),
      port: Number(values.port ?? 4222),
      listen: values.listen ?? '127.0.0.1',
      container: values.container ?? false,
      ...(values.owner ? { owner: values.owner } : {}),
    });
    out.write(`${JSON.stringify(summary, null, out.json ? undefined : 2)}\n`);
    return Exit.ok;
  }
  if (!noun || !NATS_NOUNS.has(noun))
    return usage(noun ? `unknown command: ${positionals.join(' ')}` : undefined);
  let nc;
  try {
    nc = await connectAdmin(values['trust-dir']);
  } catch (err) {
    process.stderr.write(`cannot reach NATS: ${(err as Error).message}\n`);
    return Exit.unavailable;
  }
  try {
    if (noun === 'doctor') return await doctorCommand(nc, verb, out);
    if (noun === 'cameras') return await camerasCommand(nc, verb, rest, values, out);
    if (noun === 'users') return await usersCommand(nc, verb, rest, values, out, () => firstLineOfStdin());
    return await enrolmentCommand(nc, noun, verb, rest[0], values, out);
  } catch (err) {
    const code = exitCodeOf(err);
    if (err instanceof UsageError) process.stderr.write(`${err.message}\n`);
    else if (err instanceof DeskOnvifError) process.stderr.write(`${err.code}: ${err.message}\n`);
    else process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    if (out.json && !(err instanceof UsageError))
      process.stdout.write(
        `${JSON.stringify({ error: { code: (err as { code?: string }).code ?? 'INTERNAL', message: (err as Error).message } })}\n`,
      );
    return code;
  } finally {
    await nc.close();
  }
}

function usage(message?: string): number {
  process.stderr.write(`${message ? `${message}\n` : ''}${USAGE}\n`);
  return Exit.usage;
}

function connectAdmin(trustDir: string | undefined) {
  const env = process.env;
  const creds = trustDir ? join(trustDir, 'nats', 'creds', 'admin.creds') : env.DESK_ONVIF_NATS_CREDS;
  const ca = trustDir ? join(trustDir, 'pki', 'ca.crt') : env.DESK_ONVIF_NATS_CA;
  return connect({
    servers: (env.DESK_ONVIF_NATS_URL ?? 'nats://127.0.0.1:4222').split(',').map((s) => s.trim()),
    name: 'desk-onvif-cli',
    timeout: 5000,
    reconnect: false,
    inboxPrefix: roleInboxPrefix('admin'),
    ...(creds ? { authenticator: credsAuthenticator(readFileSync(creds)) } : {}),
    ...(ca ? { tls: { caFile: ca } } : {}),
    ...(!creds && env.DESK_ONVIF_NATS_TOKEN ? { token: env.DESK_ONVIF_NATS_TOKEN } : {}),
  });
}

process.exitCode = await main(process.argv.slice(2));
