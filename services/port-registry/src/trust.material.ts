import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '@desk-onvif/service-kit';
import type { RegistryConfig } from './config.js';

/**
 * What the registry holds to enrol cameras and revoke them, read once at boot from
 * REGISTRY_TRUST_DIR (libs/nats-auth `registry-trust/`). Never logged.
 * - `registrySigning`: an account *signing* key: it signs enrolment and camera user JWTs, and
 *   nothing else (not the account's identity key, not the operator's).
 * - `operatorSigning` + `accountJwt`: to re-sign the application account with its revocations.
 * - `systemCreds`: a system-account user that may only push account claim updates.
 */
export interface TrustMaterial {
  accountJwt: string;
  operatorSigning: string;
  registrySigning: string;
  systemCreds: string;
  /** The site CA (PEM) and where agents connect: both go into enrolment tokens. */
  caPem: string;
  natsUrls: string[];
}

export function loadTrustMaterial(config: RegistryConfig): TrustMaterial | undefined {
  const dir = config.TRUST_DIR;
  if (!dir) return undefined;
  const problems: string[] = [];
  const read = (name: string, path = join(dir, name), trim = true) => {
    try {
      const text = readFileSync(path, 'utf8');
      // A .creds file is parsed by its lines, the last one's newline included: kept as it is.
      return trim ? text.trim() : text;
    } catch (err) {
      problems.push(
        `REGISTRY_TRUST_DIR: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
      );
      return '';
    }
  };
  const material = {
    accountJwt: read('account.jwt'),
    operatorSigning: read('operator-signing.nk'),
    registrySigning: read('registry-signing.nk'),
    systemCreds: read('system.creds', join(dir, 'system.creds'), false),
    caPem: config.NATS_CA ? read('', config.NATS_CA) : '',
    natsUrls: (config.ENROL_NATS_URLS ?? config.NATS_URL).split(',').map((u) => u.trim()),
  };
  if (!config.NATS_CA)
    problems.push('REGISTRY_TRUST_DIR needs REGISTRY_NATS_CA: enrolment tokens carry the site CA');
  if (problems.length > 0) throw new ConfigError(problems);
  return material;
}
