import { captureXml } from '@desk-onvif/test-support';
import {
  ONVIF_DEVICE_TYPES,
  buildBye,
  buildHello,
  buildProbeMatches,
  buildResolveMatches,
} from '../src/index.js';
import { SAMPLE_TARGET as target } from './fixtures.js';

/**
 * Every message the codec builds goes to the medium project's end-of-run validation: one call of
 * ../shared/tools/validate-onvif-xml for the whole run, which fails the run on an invalid one.
 */
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

describe('built messages, for the end-of-run ONVIF/OASIS schema validation', () => {
  it.each(Object.entries(messages))('%s is a SOAP 1.2 envelope, captured', (name, xml) => {
    expect(xml.startsWith('<?xml') || xml.startsWith('<')).toBe(true);
    expect(xml).toContain('http://www.w3.org/2003/05/soap-envelope');
    captureXml(`ws-discovery-${name}`, xml);
  });
});
