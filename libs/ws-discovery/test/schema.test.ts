import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '@desk-onvif/test-support';
import {
  ONVIF_DEVICE_TYPES,
  buildBye,
  buildHello,
  buildProbeMatches,
  buildResolveMatches,
} from '../src/index.js';
import { SAMPLE_TARGET as target } from './fixtures.js';

/** Every message the codec builds, checked against the official schemas in one validator run. */
const validator = resolve(REPO_ROOT, '../shared/tools/validate-onvif-xml');
const run = existsSync(validator) ? describe : describe.skip;
if (!existsSync(validator)) console.warn(`skipping schema validation: ${validator} is missing`);

const appSequence = { instanceId: 1_700_000_001, messageNumber: 1 };

const messages: Record<string, string> = {
  'probe-matches.xml': buildProbeMatches({
    soap: '1.2',
    messageId: 'urn:uuid:a1',
    relatesTo: 'uuid:p1',
    appSequence,
    target,
  }),
  'resolve-matches.xml': buildResolveMatches({
    soap: '1.2',
    messageId: 'urn:uuid:a2',
    relatesTo: 'urn:uuid:r1',
    appSequence,
    target,
  }),
  'hello.xml': buildHello({ messageId: 'urn:uuid:a3', appSequence, target }),
  'bye.xml': buildBye({ messageId: 'urn:uuid:a4', appSequence, target }),
  'hello-foreign-type.xml': buildHello({
    messageId: 'urn:uuid:a5',
    appSequence,
    target: { ...target, types: [...ONVIF_DEVICE_TYPES, { ns: 'urn:example:types', local: 'Thing' }] },
  }),
};

run('built messages against the ONVIF/OASIS schemas', () => {
  it('are all valid', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ws-discovery-schema-'));
    try {
      const files = Object.entries(messages).map(([name, xml]) => {
        writeFileSync(join(dir, name), xml);
        return join(dir, name);
      });
      const { stdout } = await promisify(execFile)(validator, files).catch(
        (err: Error & { stdout?: string }) => {
          throw new Error(`validate-onvif-xml failed:\n${err.stdout ?? err.message}`);
        },
      );
      expect(stdout.match(/^valid /gm)).toHaveLength(files.length);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
