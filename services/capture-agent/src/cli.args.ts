/** `--name value` and `--name=value` pairs; `booleans` are flags that take no value. */
export interface ParsedArgs {
  command: string | undefined;
  flags: Record<string, string>;
  switches: Set<string>;
  problems: string[];
}

export function parseCliArgs(argv: readonly string[], booleans: ReadonlySet<string>): ParsedArgs {
  // `desk-onvif-agent --help` has no command: every argument is then an option.
  const command = argv[0]?.startsWith('--') ? undefined : argv[0];
  const rest = command === undefined ? argv : argv.slice(1);
  const flags: Record<string, string> = {};
  const switches = new Set<string>();
  const problems: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i] ?? '';
    if (!arg.startsWith('--')) {
      problems.push(`unexpected argument "${arg}"`);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    if (booleans.has(name)) {
      if (eq >= 0) problems.push(`--${name} takes no value`);
      switches.add(name);
    } else if (eq >= 0) {
      flags[name] = arg.slice(eq + 1);
    } else if (i + 1 < rest.length && !(rest[i + 1] ?? '').startsWith('--')) {
      flags[name] = rest[++i] ?? '';
    } else {
      problems.push(`--${name} needs a value`);
    }
  }
  return { command, flags, switches, problems };
}
