import {
  USER_LEVELS,
  type NewUser,
  type Operation,
  type OperationContext,
  type UserLevel,
} from './operation.types.js';
import { Faults } from './soap.fault.js';
import { child, children, esc, type XmlNode } from './xml.js';

/** User handling (ONVIF Core 8.4.3-8.4.6): GetUsers, CreateUsers, DeleteUsers, SetUser. */

export const MAX_USERS = 16;
export const USERNAME_PATTERN = /^[A-Za-z0-9._@-]{1,64}$/;
export const MIN_PASSWORD = 8;
export const MAX_PASSWORD = 128;

function levelOf(node: XmlNode): UserLevel {
  const level = child(node, 'UserLevel')?.text;
  if (!USER_LEVELS.includes(level as UserLevel)) {
    // Core 8.4.4: Anonymous and Extended are not supported here.
    throw Faults.operationProhibited(
      'AnonymousNotAllowed',
      `UserLevel must be Administrator, Operator or User`,
    );
  }
  return level as UserLevel;
}

function usernameOf(node: XmlNode): string {
  const username = child(node, 'Username')?.text ?? '';
  if (username.length > 64)
    throw Faults.operationProhibited('UsernameTooLong', 'usernames have at most 64 characters');
  if (!USERNAME_PATTERN.test(username)) {
    throw Faults.operationProhibited('UsernameTooShort', 'a username has 1-64 letters, digits or ._@-');
  }
  return username;
}

function passwordOf(node: XmlNode, required: boolean): string | undefined {
  const password = child(node, 'Password')?.text;
  if (password === undefined || password === '') {
    if (required) throw Faults.operationProhibited('Password', 'a password is required');
    return undefined;
  }
  if (password.length > MAX_PASSWORD)
    throw Faults.operationProhibited('PasswordTooLong', `at most ${MAX_PASSWORD} characters`);
  if (password.length < MIN_PASSWORD)
    throw Faults.operationProhibited('Password', `at least ${MIN_PASSWORD} characters`);
  return password;
}

/** Changes that would leave the camera without an Administrator are refused (Core 8.4.5: FixedUser). */
function keepsAnAdministrator(ctx: OperationContext, levels: Map<string, UserLevel | undefined>): void {
  const remaining = ctx.users.some(
    (u) => (levels.has(u.username) ? levels.get(u.username) : u.level) === 'Administrator',
  );
  if (!remaining)
    throw Faults.operationProhibited('FixedUser', 'the last Administrator cannot be removed or demoted');
}

export const userOperations: Operation[] = [
  {
    service: 'device',
    name: 'GetUsers',
    access: 'READ_SYSTEM_SECRET',
    handle: ({ users }) => ({
      body:
        `<tds:GetUsersResponse>` +
        users
          .map(
            (u) =>
              `<tds:User><tt:Username>${esc(u.username)}</tt:Username><tt:UserLevel>${u.level}</tt:UserLevel></tds:User>`,
          )
          .join('') +
        `</tds:GetUsersResponse>`,
    }),
  },
  {
    service: 'device',
    name: 'CreateUsers',
    access: 'WRITE_SYSTEM',
    handle: (ctx) => {
      const nodes = children(ctx.request, 'User');
      if (nodes.length === 0) throw Faults.invalidArgs('CreateUsers needs at least one User');
      const created: NewUser[] = [];
      for (const n of nodes) {
        const username = usernameOf(n);
        if (ctx.users.some((u) => u.username === username) || created.some((u) => u.username === username)) {
          throw Faults.operationProhibited('UsernameClash', `user "${username}" exists`);
        }
        created.push({ username, password: passwordOf(n, true)!, level: levelOf(n) });
      }
      if (ctx.users.length + created.length > MAX_USERS) {
        throw Faults.operationProhibited('TooManyUsers', `at most ${MAX_USERS} users`);
      }
      return { body: `<tds:CreateUsersResponse/>`, effect: { kind: 'createUsers', users: created } };
    },
  },
  {
    service: 'device',
    name: 'DeleteUsers',
    access: 'WRITE_SYSTEM',
    handle: (ctx) => {
      const usernames = children(ctx.request, 'Username').map((n) => n.text);
      if (usernames.length === 0) throw Faults.invalidArgs('DeleteUsers needs at least one Username');
      for (const name of usernames) {
        if (!ctx.users.some((u) => u.username === name))
          throw Faults.invalidArgVal('UsernameMissing', `no user "${name}"`);
      }
      keepsAnAdministrator(ctx, new Map(usernames.map((n) => [n, undefined])));
      return { body: `<tds:DeleteUsersResponse/>`, effect: { kind: 'deleteUsers', usernames } };
    },
  },
  {
    service: 'device',
    name: 'SetUser',
    access: 'WRITE_SYSTEM',
    handle: (ctx) => {
      const nodes = children(ctx.request, 'User');
      if (nodes.length === 0) throw Faults.invalidArgs('SetUser needs at least one User');
      const changes = nodes.map((n) => {
        const username = child(n, 'Username')?.text ?? '';
        if (!ctx.users.some((u) => u.username === username))
          throw Faults.invalidArgVal('UsernameMissing', `no user "${username}"`);
        return { username, password: passwordOf(n, false), level: levelOf(n) };
      });
      keepsAnAdministrator(ctx, new Map(changes.map((c) => [c.username, c.level])));
      return { body: `<tds:SetUserResponse/>`, effect: { kind: 'setUsers', users: changes } };
    },
  },
];
