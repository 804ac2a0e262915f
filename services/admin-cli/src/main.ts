#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { connect } from '@nats-io/transport-node';
import { DeskOnvifError } from '@desk-onvif/contracts';
import { camerasCommand, doctorCommand, type Output } from './cameras.command.js';
import { Exit, UsageError, exitCodeOf } from './exit.codes.js';

/**
 * `desk-onvif`: the administrator's command line, the console's operations for scripts. Talks over
 * NATS with the administrator's credential: DESK_ONVIF_NATS_URL (nats://127.0.0.1:4222) and
 * DESK_ONVIF_NATS_TOKEN, or DESK_ONVIF_NATS_USER and DESK_ONVIF_NATS_PASSWORD.
 */
const USAGE = `usage: desk-onvif [--json] <command>
  cameras list [--state online|offline] [--mode shared|per-user]
  cameras show <camera>                    <camera>: its id, or its name when unique
  cameras rename <camera> <new name>
  cameras set-port <camera> <port>
  cameras settings <camera> [--main WxH[@FPS][:KBPS]] [--sub WxH[@FPS][:KBPS]] [--discovery Discoverable|NonDiscoverable]
  cameras remove <camera>
  doctor <camera>                          the seven "NVR cannot connect" checks (asks the console)
exit codes: 0 done, 1 unexpected error, 2 usage, 3 refused (invalid, port in use, conflict),
  4 not found, 5 unavailable (NATS, the registry, the console or the agent did not answer),
  6 doctor: a check failed`;

const options = {
  json: { type: 'boolean' },
  help: { type: 'boolean' },
  state: { type: 'string' },
  mode: { type: 'string' },
  main: { type: 'string' },
  sub: { type: 'string' },
  discovery: { type: 'string' },
} as const;

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
  if (noun !== 'cameras' && noun !== 'doctor') {
    process.stderr.write(`${USAGE}\n`);
    return Exit.usage;
  }
  const out: Output = { json: values.json ?? false, write: (t) => process.stdout.write(t) };
  const env = process.env;
  let nc;
  try {
    nc = await connect({
      servers: (env.DESK_ONVIF_NATS_URL ?? 'nats://127.0.0.1:4222').split(',').map((s) => s.trim()),
      name: 'desk-onvif-cli',
      timeout: 5000,
      ...(env.DESK_ONVIF_NATS_TOKEN ? { token: env.DESK_ONVIF_NATS_TOKEN } : {}),
      ...(env.DESK_ONVIF_NATS_USER
        ? { user: env.DESK_ONVIF_NATS_USER, pass: env.DESK_ONVIF_NATS_PASSWORD ?? '' }
        : {}),
    });
  } catch (err) {
    process.stderr.write(`cannot reach NATS: ${(err as Error).message}\n`);
    return Exit.unavailable;
  }
  try {
    return noun === 'doctor'
      ? await doctorCommand(nc, verb, out)
      : await camerasCommand(nc, verb, rest, values, out);
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

process.exitCode = await main(process.argv.slice(2));
