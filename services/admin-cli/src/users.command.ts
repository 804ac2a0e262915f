import { OnvifUserLevelSchema, OnvifUsers, call, type OnvifUserView } from '@desk-onvif/contracts';
import type { Requester } from '@desk-onvif/contracts';
import { resolveCamera, type Output } from './cameras.command.js';
import { Exit, UsageError } from './exit.codes.js';

export interface UserFlags {
  level?: string;
  'password-stdin'?: boolean;
}

/** Where a new password comes from when `--password-stdin` is given: the first line of stdin. */
export type ReadSecret = () => Promise<string>;

const LEVELS = OnvifUserLevelSchema.options.join('|');

function level(text: string | undefined, usage: string): OnvifUserView['level'] {
  const parsed = OnvifUserLevelSchema.safeParse(text);
  if (!parsed.success) throw new UsageError(`${usage}: the level is one of ${LEVELS}`);
  return parsed.data;
}

/**
 * `users list|add|remove|reset-password|set-level <camera> …`: a camera's ONVIF users through the
 * onvif service's `onvif.users.*` requests (the console's path: one compare-and-set per change, the
 * ONVIF rules). A password never comes from the command line: `--password-stdin` reads it from
 * standard input, else the onvif service generates one and it is printed once, alone on standard
 * output (`PW=$(desk-onvif users add cam nvr)`), the summary on standard error.
 */
export async function usersCommand(
  nc: Requester,
  verb: string | undefined,
  args: string[],
  flags: UserFlags,
  out: Output,
  readSecret: ReadSecret,
): Promise<number> {
  const print = (value: unknown, text: string) => out.write(out.json ? `${JSON.stringify(value)}\n` : text);
  const need = (usage: string) => {
    if (args[1] === undefined) throw new UsageError(usage);
    return args[1];
  };
  const newPassword = async () => (flags['password-stdin'] ? { password: await readSecret() } : {});
  /** A generated password: alone on stdout; what was done on stderr. */
  const answer = (reply: { user: OnvifUserView; password?: string | undefined }, done: string) => {
    process.stderr.write(`${done}\n`);
    if (out.json) out.write(`${JSON.stringify(reply)}\n`);
    else if (reply.password !== undefined) out.write(`${reply.password}\n`);
  };
  switch (verb) {
    case 'list': {
      const c = await resolveCamera(nc, args[0]);
      const { users } = await call(nc, OnvifUsers.list, { id: c.id });
      print(users, users.map((u) => `${u.username}  ${u.level}\n`).join(''));
      return Exit.ok;
    }
    case 'add': {
      const usage = `users add <camera> <username> [--level ${LEVELS}] [--password-stdin]`;
      const username = need(usage);
      const userLevel = level(flags.level ?? 'User', usage);
      const c = await resolveCamera(nc, args[0]);
      const reply = await call(nc, OnvifUsers.add, {
        id: c.id,
        username,
        level: userLevel,
        ...(await newPassword()),
      });
      answer(reply, `${c.name} (${c.id}): ONVIF user ${username} added as ${userLevel}`);
      return Exit.ok;
    }
    case 'reset-password': {
      const username = need('users reset-password <camera> <username> [--password-stdin]');
      const c = await resolveCamera(nc, args[0]);
      const given = await newPassword();
      const reply = await call(nc, OnvifUsers.set, {
        id: c.id,
        username,
        ...(given.password !== undefined ? given : { generatePassword: true as const }),
      });
      answer(reply, `${c.name} (${c.id}): ONVIF user ${username} has a new password`);
      return Exit.ok;
    }
    case 'set-level': {
      const usage = `users set-level <camera> <username> <${LEVELS}>`;
      const username = need(usage);
      const userLevel = level(args[2], usage);
      const c = await resolveCamera(nc, args[0]);
      const reply = await call(nc, OnvifUsers.set, { id: c.id, username, level: userLevel });
      answer(reply, `${c.name} (${c.id}): ONVIF user ${username} is now ${userLevel}`);
      return Exit.ok;
    }
    case 'remove': {
      const username = need('users remove <camera> <username>');
      const c = await resolveCamera(nc, args[0]);
      await call(nc, OnvifUsers.remove, { id: c.id, username });
      print({ id: c.id, username, removed: true }, `${c.name} (${c.id}): ONVIF user ${username} removed\n`);
      return Exit.ok;
    }
    case undefined:
    default:
      throw new UsageError('users list|add|remove|reset-password|set-level <camera> …');
  }
}

/** The first line of standard input, without its line ending: a password piped or typed. */
export async function firstLineOfStdin(stdin: NodeJS.ReadableStream = process.stdin): Promise<string> {
  let text = '';
  for await (const chunk of stdin) {
    text += chunk.toString();
    if (text.includes('\n') || text.length > 4096) break;
  }
  const line = text.split(/\r?\n/)[0] ?? '';
  if (line.length === 0) throw new UsageError('--password-stdin: standard input held no password');
  return line;
}
