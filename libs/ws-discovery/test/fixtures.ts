import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  MatchBy,
  NS,
  ONVIF_DEVICE_TYPES,
  type DiscoveryMessage,
  type MalformedReason,
  type TargetService,
} from '../src/index.js';

/**
 * Datagrams as real clients and devices send them, named after their sender, with what the codec
 * must make of them and whether a desk-onvif camera answers. One table drives the parse tests,
 * the fuzz tests (its datagrams are the seeds) and the service's end-to-end tests.
 */
export interface DatagramCase {
  name: string;
  file: string;
  decoded: DiscoveryMessage | { malformed: MalformedReason };
  /** For Probes: does a camera with the ONVIF types and scopes match it? */
  matchesCamera?: boolean;
}

const here = dirname(fileURLToPath(import.meta.url));
export function fixtureBytes(file: string): Buffer {
  return readFileSync(join(here, 'fixtures', file));
}

const NVT = { ns: NS.dn, local: 'NetworkVideoTransmitter' };

export const DATAGRAM_CASES: DatagramCase[] = [
  {
    name: 'npm onvif 0.8.3 Discovery.probe (default namespaces, empty Scopes)',
    file: 'npm-onvif-0.8.3-probe.xml',
    decoded: {
      kind: 'probe',
      soap: '1.2',
      messageId: 'urn:uuid:5b1a3c7e-2f4d-4e8a-9c61-0d2f7e8a9b10',
      types: [NVT],
      scopes: [],
      matchBy: MatchBy.rfc3986,
    },
    matchesCamera: true,
  },
  {
    name: 'node-onvif startProbe, NetworkVideoTransmitter (uuid: MessageID, indented)',
    file: 'node-onvif-probe-nvt.xml',
    decoded: {
      kind: 'probe',
      soap: '1.2',
      messageId: 'uuid:0d8c5c55-6a4f-4d0e-8f33-7f1a2b3c4d5e',
      types: [NVT],
      scopes: [],
      matchBy: MatchBy.rfc3986,
    },
    matchesCamera: true,
  },
  {
    // Quirk: node-onvif puts Device in the network namespace, which is not tds:Device.
    name: 'node-onvif startProbe, Device in the network namespace',
    file: 'node-onvif-probe-device.xml',
    decoded: {
      kind: 'probe',
      soap: '1.2',
      messageId: 'uuid:1e9d6d66-7b50-4e1f-9044-802b3c4d5e6f',
      types: [{ ns: NS.dn, local: 'Device' }],
      scopes: [],
      matchBy: MatchBy.rfc3986,
    },
    matchesCamera: false,
  },
  {
    name: 'ONVIF Device Manager style (WCF), tds:Device',
    file: 'onvif-device-manager-probe.xml',
    decoded: {
      kind: 'probe',
      soap: '1.2',
      messageId: 'urn:uuid:9a3c1f0e-44b2-4c1d-a7e5-3b9f2d6c8e01',
      types: [{ ns: NS.tds, local: 'Device' }],
      scopes: [],
      matchBy: MatchBy.rfc3986,
    },
    matchesCamera: true,
  },
  {
    name: 'SOAP 1.1 probe, gSOAP wsdd style (ZoneMinder)',
    file: 'soap11-gsoap-probe.xml',
    decoded: {
      kind: 'probe',
      soap: '1.1',
      messageId: 'urn:uuid:2c4e6a80-1b3d-4f5a-8c7e-9d0f1a2b3c4d',
      types: [NVT],
      scopes: [],
      matchBy: MatchBy.rfc3986,
    },
    matchesCamera: true,
  },
  {
    name: 'Home Assistant (python WSDiscovery), Profile/Streaming scope, no Types',
    file: 'home-assistant-wsdiscovery-probe.xml',
    decoded: {
      kind: 'probe',
      soap: '1.2',
      messageId: 'urn:uuid:7e1d2c3b-4a59-4687-9a0b-c1d2e3f4a5b6',
      types: [],
      scopes: ['onvif://www.onvif.org/Profile/Streaming'],
      matchBy: MatchBy.rfc3986,
    },
    matchesCamera: true,
  },
  {
    name: 'strcmp0 probe with two exact scopes',
    file: 'strcmp0-probe.xml',
    decoded: {
      kind: 'probe',
      soap: '1.2',
      messageId: 'urn:uuid:3f2e1d0c-9b8a-4766-8554-433221100fed',
      types: [NVT],
      scopes: ['onvif://www.onvif.org/Profile/Streaming', 'onvif://www.onvif.org/type/video_encoder'],
      matchBy: MatchBy.strcmp0,
    },
    matchesCamera: true,
  },
  {
    name: 'Resolve of one endpoint',
    file: 'resolve.xml',
    decoded: {
      kind: 'resolve',
      soap: '1.2',
      messageId: 'urn:uuid:8b7a6958-4736-4251-a0ff-eeddccbbaa99',
      endpoint: 'urn:uuid:6f1e2d3c-4b5a-5968-8778-695a4b3c2d1e',
    },
  },
  {
    name: 'Hello of another camera on the LAN (tolerated, ignored)',
    file: 'other-camera-hello.xml',
    decoded: { kind: 'hello', soap: '1.2', messageId: 'urn:uuid:c0ffee00-1111-4222-8333-444455556666' },
  },
  {
    name: 'ProbeMatches of another camera, gSOAP style (tolerated, ignored)',
    file: 'other-camera-probe-matches.xml',
    decoded: { kind: 'probe-matches', soap: '1.2', messageId: 'uuid:00112233-4455-4677-8899-aabbccddeeff' },
  },
  {
    name: 'Bye of another camera (tolerated, ignored)',
    file: 'other-camera-bye.xml',
    decoded: { kind: 'bye', soap: '1.2', messageId: 'urn:uuid:c0ffee00-2222-4333-8444-555566667777' },
  },
  {
    name: 'Hikvision SADP inquiry (not SOAP)',
    file: 'hikvision-sadp-inquiry.xml',
    decoded: { malformed: 'not-soap' },
  },
  {
    name: 'entity expansion bomb in a DOCTYPE',
    file: 'entity-expansion.xml',
    decoded: { malformed: 'dtd' },
  },
];

/** A camera as the builders see it, with text that needs escaping and the largest MetadataVersion. */
export const SAMPLE_TARGET: TargetService = {
  address: 'urn:uuid:6f1e2d3c-4b5a-5968-8778-695a4b3c2d1e',
  types: ONVIF_DEVICE_TYPES,
  // As cameraScopes (@desk-onvif/contracts) builds them.
  scopes: [
    'onvif://www.onvif.org/type/video_encoder',
    'onvif://www.onvif.org/Profile/Streaming',
    'onvif://www.onvif.org/name/Ann%20%26%20Bob%20%3Clab%3E',
    'onvif://www.onvif.org/hardware/Desktop%20Camera',
    'onvif://www.onvif.org/location/pc%2017',
    'onvif://www.onvif.org/mac/02:aa:bb:cc:dd:ee',
  ],
  xaddrs: ['http://192.0.2.10:8090/onvif/device_service'],
  metadataVersion: 4_294_967_295,
};
