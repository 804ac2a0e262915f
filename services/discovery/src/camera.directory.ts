import { cameraScopes, type CameraRecord } from '@desk-onvif/contracts';

/** What discovery knows of a camera it announces. */
export interface AnnouncedCamera {
  id: string;
  /** The endpoint reference: `urn:uuid:<camera id>`. */
  address: string;
  onvifPort: number;
  scopes: string[];
  metadataVersion: number;
}

export type DirectoryChange = { type: 'hello' | 'bye'; camera: AnnouncedCamera } | undefined;

/**
 * The cameras to announce, kept from the KV watch: online and Discoverable. A camera that becomes
 * so gets a Hello, one that stops (offline, removed, NonDiscoverable) a Bye, and one whose
 * metadata changes (name, port…) a new Hello with a higher MetadataVersion (WS-Discovery §4.1).
 */
export class CameraDirectory {
  private readonly cameras = new Map<string, AnnouncedCamera>();

  /** `profiles`: the ONVIF profiles the cameras claim, as GetScopes answers them (`claimedProfiles`). */
  constructor(private readonly profiles: readonly string[]) {}

  /**
   * Applies the current value of one KV key (undefined: deleted, or not a valid record) at its KV
   * revision, which grows with every write of the bucket and so serves as MetadataVersion.
   */
  apply(key: string, record: CameraRecord | undefined, revision: number): DirectoryChange {
    const id = key.toLowerCase();
    const before = this.cameras.get(id);
    if (!record || !record.online || record.discoveryMode !== 'Discoverable') {
      if (!before) return undefined;
      this.cameras.delete(id);
      return { type: 'bye', camera: before };
    }
    const camera = this.describe(record, revision);
    this.cameras.set(id, camera);
    if (
      before &&
      before.onvifPort === camera.onvifPort &&
      before.scopes.join(' ') === camera.scopes.join(' ')
    ) {
      return undefined;
    }
    return { type: 'hello', camera };
  }

  byAddress(address: string): AnnouncedCamera | undefined {
    const m = /^urn:uuid:([0-9a-f-]{36})$/i.exec(address.trim());
    return m ? this.cameras.get((m[1] as string).toLowerCase()) : undefined;
  }

  all(): IterableIterator<AnnouncedCamera> {
    return this.cameras.values();
  }

  get size(): number {
    return this.cameras.size;
  }

  private describe(record: CameraRecord, revision: number): AnnouncedCamera {
    return {
      id: record.id,
      address: `urn:uuid:${record.id}`,
      onvifPort: record.onvifPort,
      scopes: cameraScopes(record, this.profiles),
      metadataVersion: Math.min(0xffffffff, revision),
    };
  }
}
