import { audioOperations } from './audio.operations.js';
import { deviceOperations } from './device.operations.js';
import { eventOperations } from './events.operations.js';
import { imagingOperations } from './imaging.operations.js';
import { media2Operations } from './media2.operations.js';
import { mediaOperations } from './media.operations.js';
import { mediaNvrOperations } from './media.nvr.operations.js';
import { Ns } from './namespaces.js';
import { osdOperations10, osdOperations20 } from './osd.operations.js';
import type { Operation, ServiceName } from './operation.types.js';
import { scopeOperations } from './scopes.operations.js';
import { userOperations } from './users.operations.js';

const SERVICE_NS: Record<ServiceName, string> = {
  device: Ns.device,
  media: Ns.media,
  media2: Ns.media2,
  events: Ns.events,
  imaging: Ns.imaging,
};

/** Every operation, keyed by `{namespace URI}local name`: dispatch never looks at a prefix. */
const TABLE: ReadonlyMap<string, Operation> = new Map(
  [
    ...deviceOperations,
    ...scopeOperations,
    ...userOperations,
    ...mediaOperations,
    ...mediaNvrOperations,
    ...media2Operations,
    ...osdOperations10,
    ...osdOperations20,
    ...eventOperations,
    ...audioOperations,
    ...imagingOperations,
  ].map((op) => [`{${op.ns ?? SERVICE_NS[op.service]}}${op.name}`, op]),
);

export function findOperation(ns: string, local: string): Operation | undefined {
  return TABLE.get(`{${ns}}${local}`);
}

export function allOperations(): Operation[] {
  return [...TABLE.values()];
}

/** The service a namespace belongs to, for metrics of operations that do not exist. */
export function serviceOfNamespace(ns: string): ServiceName | 'other' {
  for (const [name, uri] of Object.entries(SERVICE_NS)) if (uri === ns) return name as ServiceName;
  if (ns === Ns.wsnt) return 'events';
  return 'other';
}
