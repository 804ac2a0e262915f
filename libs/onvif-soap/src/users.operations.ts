import { USER_LEVELS, type NewUser, type Operation, type UserLevel } from './operation.types.js';
import { Faults } from './soap.fault.js';
import { checkUserChange } from './user.changes.js';
import { child, children, esc, type XmlNode } from './xml.js';

/** User handling (ONVIF Core 8.4.3-8.4.6): GetUsers, CreateUsers, DeleteUsers, SetUser. */

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
        created.push({ username: usernameOf(n), password: passwordOf(n, true)!, level: levelOf(n) });
      }
      const effect = { kind: 'createUsers', users: created } as const;
      checkUserChange(ctx.users, effect);
      return { body: `<tds:CreateUsersResponse/>`, effect };
    },
  },
  {
    service: 'device',
    name: 'DeleteUsers',
    access: 'WRITE_SYSTEM',
    handle: (ctx) => {
      const usernames = children(ctx.request, 'Username').map((n) => n.text);
      if (usernames.length === 0) throw Faults.invalidArgs('DeleteUsers needs at least one Username');
      const effect = { kind: 'deleteUsers', usernames } as const;
      checkUserChange(ctx.users, effect);
      return { body: `<tds:DeleteUsersResponse/>`, effect };
    },
  },
  {
    service: 'device',
    name: 'SetUser',
    access: 'WRITE_SYSTEM',
    handle: (ctx) => {
      const nodes = children(ctx.request, 'User');
      if (nodes.length === 0) throw Faults.invalidArgs('SetUser needs at least one User');
      const changes = nodes.map((n) => ({
        username: child(n, 'Username')?.text ?? '',
        password: passwordOf(n, false),
        level: levelOf(n),
      }));
      const effect = { kind: 'setUsers', users: changes } as const;
      checkUserChange(ctx.users, effect);
      return { body: `<tds:SetUserResponse/>`, effect };
    },
  },
];
