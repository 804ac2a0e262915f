import type { Effect, OnvifUserInfo, UserLevel } from './operation.types.js';
import { Faults } from './soap.fault.js';

/** User handling rules (ONVIF Core 8.4.4-8.4.6), checked against a camera's current users. */

export const MAX_USERS = 16;

/** The effects that change a camera's users. */
export type UserChange = Extract<Effect, { kind: 'createUsers' | 'deleteUsers' | 'setUsers' }>;

/**
 * Throws the ONVIF fault a change deserves against `users`, or returns the levels after it. Pure:
 * the operation calls it against what the endpoint sees, and the user store again against the
 * value it compares-and-sets, so that no interleaving of requests can break the rules.
 */
export function checkUserChange(users: readonly OnvifUserInfo[], change: UserChange): Map<string, UserLevel> {
  const after = new Map(users.map((u) => [u.username, u.level]));
  switch (change.kind) {
    case 'createUsers':
      for (const u of change.users) {
        if (after.has(u.username))
          throw Faults.operationProhibited('UsernameClash', `user "${u.username}" exists`);
        after.set(u.username, u.level);
      }
      if (after.size > MAX_USERS)
        throw Faults.operationProhibited('TooManyUsers', `at most ${MAX_USERS} users`);
      return after;
    case 'deleteUsers':
      for (const name of change.usernames) {
        if (!after.has(name)) throw Faults.invalidArgVal('UsernameMissing', `no user "${name}"`);
        after.delete(name);
      }
      break;
    case 'setUsers':
      for (const c of change.users) {
        if (!after.has(c.username)) throw Faults.invalidArgVal('UsernameMissing', `no user "${c.username}"`);
        after.set(c.username, c.level);
      }
      break;
  }
  // Core 8.4.5: the last Administrator cannot go (FixedUser).
  if (![...after.values()].includes('Administrator'))
    throw Faults.operationProhibited('FixedUser', 'the last Administrator cannot be removed or demoted');
  return after;
}
