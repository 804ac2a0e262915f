import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { networkInterfaces } from 'node:os';
import { promisify } from 'node:util';

const exec = promisify(execFile);

/**
 * A network namespace of the test's own (`ip netns add`, unique name per run), deleted at the end,
 * so that multicast never reaches the machine's real network: lo is up and carries 224.0.0.0/4.
 * A veth pair joins it to the root namespace with two private addresses of its own, so that
 * processes inside reach a nats-server outside and the test reaches their HTTP ports.
 * Needs root (or CAP_NET_ADMIN) and iproute2; `create` rejects with the reason otherwise.
 */
export class NetNamespace {
  private constructor(
    readonly name: string,
    /** The root side of the veth pair: bind servers here for processes inside to reach them. */
    readonly hostAddress: string,
    /** The namespace side: the test reaches servers inside on this address. */
    readonly address: string,
    private readonly hostLink: string,
  ) {}

  static async create(): Promise<NetNamespace> {
    const tag = randomBytes(4).toString('hex');
    const name = `desk-onvif-${process.pid}-${tag}`;
    const hostLink = `do${tag}h`;
    const nsLink = `do${tag}n`;
    const [hostAddress, address] = freeSubnet();
    await exec('ip', ['netns', 'add', name]);
    const ns = new NetNamespace(name, hostAddress, address, hostLink);
    try {
      await ns.run('ip', ['link', 'set', 'lo', 'up']);
      await ns.run('ip', ['route', 'add', '224.0.0.0/4', 'dev', 'lo']);
      await exec('ip', ['link', 'add', hostLink, 'type', 'veth', 'peer', 'name', nsLink]);
      await exec('ip', ['link', 'set', nsLink, 'netns', name]);
      await exec('ip', ['addr', 'add', `${hostAddress}/30`, 'dev', hostLink]);
      await exec('ip', ['link', 'set', hostLink, 'up']);
      await ns.run('ip', ['addr', 'add', `${address}/30`, 'dev', nsLink]);
      await ns.run('ip', ['link', 'set', nsLink, 'up']);
    } catch (err) {
      await ns.dispose();
      throw err;
    }
    return ns;
  }

  /** A namespace, or undefined with the reason printed: for tests that skip when they cannot make one. */
  static async tryCreate(purpose: string): Promise<NetNamespace | undefined> {
    try {
      return await NetNamespace.create();
    } catch (err) {
      console.warn(
        `skipping ${purpose}: cannot create a network namespace (needs root and iproute2): ${(err as Error).message}`,
      );
      return undefined;
    }
  }

  /** The command line that runs `command` inside the namespace (`ip netns exec` execs it, same pid). */
  wrap(command: string, args: string[]): [string, string[]] {
    return ['ip', ['netns', 'exec', this.name, command, ...args]];
  }

  /** Runs a short command inside the namespace to completion. */
  async run(command: string, args: string[]): Promise<string> {
    const [cmd, argv] = this.wrap(command, args);
    return (await exec(cmd, argv)).stdout;
  }

  /** Deletes the namespace; its end of the veth pair goes with it, and with that the other end. */
  async dispose(): Promise<void> {
    await exec('ip', ['netns', 'delete', this.name]).catch(() => undefined);
    await exec('ip', ['link', 'delete', this.hostLink]).catch(() => undefined);
  }
}

/** A random /30 in 10.200.0.0/13 that no local interface is using: [host side, namespace side]. */
function freeSubnet(): [string, string] {
  const used = new Set(
    Object.values(networkInterfaces())
      .flat()
      .map((i) => i?.address.split('.').slice(0, 3).join('.')),
  );
  for (;;) {
    const [a, b, c] = randomBytes(3);
    const prefix = `10.${200 + ((a as number) % 8)}.${b as number}`;
    const base = ((c as number) % 64) * 4;
    if (!used.has(prefix)) return [`${prefix}.${base + 1}`, `${prefix}.${base + 2}`];
  }
}
