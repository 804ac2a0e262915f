#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { ensureSitePki, SitePkiError } from './site-pki.store.js';

/**
 * `desk-onvif-site-pki --dir <dir> [--host <name or address>]…`: makes sure the directory holds the
 * site CA and a server certificate for those hosts (ensureSitePki), then prints what it holds as
 * JSON — paths, the CA fingerprint, what was generated — and never a key.
 */
const USAGE = 'usage: desk-onvif-site-pki --dir <dir> [--host <name or address>]…';

async function main(): Promise<number> {
  let values: { dir?: string; host?: string[]; help?: boolean };
  try {
    ({ values } = parseArgs({
      options: {
        dir: { type: 'string' },
        host: { type: 'string', multiple: true },
        help: { type: 'boolean' },
      },
    }));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (values.help) return (void process.stdout.write(`${USAGE}\n`), 0);
  if (!values.dir) return (void process.stderr.write(`--dir is required\n${USAGE}\n`), 2);
  const hosts = (values.host ?? []).flatMap((h) => h.split(',')).filter((h) => h !== '');
  try {
    const pki = await ensureSitePki(values.dir, { hosts });
    for (const w of pki.warnings) process.stderr.write(`warning: ${w}\n`);
    // Paths and the fingerprint only: the keys stay in their files.
    process.stdout.write(`${JSON.stringify(pki, null, 2)}\n`);
    return 0;
  } catch (err) {
    if (err instanceof SitePkiError) return (void process.stderr.write(`${err.message}\n`), 1);
    throw err;
  }
}

process.exitCode = await main();
