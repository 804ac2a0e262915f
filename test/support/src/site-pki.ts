import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureSitePki, type SitePki } from '@desk-onvif/site-pki';

export type { SitePki } from '@desk-onvif/site-pki';

/**
 * A site CA and a server certificate (for `hosts` plus loopback) in a new temporary directory, as
 * `make dev` and `make up` generate them. Generating RSA keys takes about a second: a suite makes
 * one and shares it. The caller removes `pki.dir` when done.
 */
export function testSitePki(hosts: string[] = []): Promise<SitePki> {
  return ensureSitePki(mkdtempSync(join(tmpdir(), 'desk-onvif-pki-')), { hosts });
}
