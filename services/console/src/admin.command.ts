import { roleInboxPrefix } from '@desk-onvif/contracts';
import { connectNats, natsSettingsOf } from '@desk-onvif/service-kit';
import { AccountStore } from './account.store.js';
import { AuditLog } from './audit.log.js';
import type { ConsoleConfig } from './config.js';
import { openConsoleBuckets } from './console.module.js';
import { ConsoleError } from './errors.js';

const USAGE = `usage: console create-admin <username> [--if-no-admin]
       console reset-password <username>`;

/**
 * The console's own commands, for `make dev`, `make up` and the admin CLI: the first administrator
 * and a lost password. A generated password is printed once, here, and stored only as a hash.
 * Exit codes: 0 done, 2 usage, 3 refused (exists, not found, invalid).
 */
export async function runAdminCommand(config: ConsoleConfig, argv: string[]): Promise<number> {
  const [command, username, ...flags] = argv;
  if ((command !== 'create-admin' && command !== 'reset-password') || !username) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const nc = await connectNats({
    ...natsSettingsOf(config, 'console-admin', roleInboxPrefix('console')),
    url: config.NATS_URL,
  });
  try {
    const buckets = await openConsoleBuckets(nc, config);
    const accounts = new AccountStore(buckets.accounts);
    const audit = new AuditLog(buckets.audit);
    const who = { actor: 'cli', address: 'local' };
    if (command === 'create-admin') {
      if (flags.includes('--if-no-admin') && (await accounts.hasAdmin())) {
        process.stdout.write('an administrator exists already: no account created\n');
        return 0;
      }
      const { password } = await accounts.create(username, 'admin', 'cli');
      await audit.record({
        ...who,
        action: 'account.create',
        target: username,
        detail: { role: 'admin' },
        outcome: 'ok',
      });
      process.stdout.write(
        `console administrator created (shown once, stored only as an Argon2id hash)\n  username  ${username}\n  password  ${password}\n`,
      );
      return 0;
    }
    const { password } = await accounts.setPassword(username);
    await audit.record({ ...who, action: 'account.password', target: username, outcome: 'ok' });
    process.stdout.write(`new password for ${username} (shown once)\n  password  ${password}\n`);
    return 0;
  } catch (err) {
    if (err instanceof ConsoleError) {
      process.stderr.write(`${err.code}: ${err.message}\n`);
      return 3;
    }
    throw err;
  } finally {
    await nc.drain().catch(() => undefined);
  }
}
