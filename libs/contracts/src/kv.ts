/** JetStream KV buckets and their keys. */
export const Buckets = {
  /** key = camera id, value = CameraRecord */
  cameras: 'cameras',
  /** key = `onvif.<port>`, value = PortClaim */
  ports: 'ports',
  /** key = `<camera id>.<username>`, value = an ONVIF user of that camera (onvif service) */
  users: 'users',
} as const;

export function portKey(port: number): string {
  return `onvif.${port}`;
}

export function portOfKey(key: string): number | undefined {
  const m = /^onvif\.(\d{1,5})$/.exec(key);
  return m ? Number(m[1]) : undefined;
}
