import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Every ONVIF / WS-Discovery message a medium test sees is written to one directory per test run,
 * and the medium project's global teardown (xml-capture.teardown.ts) validates them all with ONE
 * call of ../shared/tools/validate-onvif-xml (a call costs about a second of JVM start-up).
 */
export const XML_CAPTURE_ENV = 'DESK_ONVIF_XML_DIR';

function captureDir(): string {
  let dir = process.env[XML_CAPTURE_ENV];
  if (!dir) {
    // Outside the medium project's global setup: a directory of its own, nobody validates it.
    dir = join(tmpdir(), `desk-onvif-xml-${process.pid}`);
    process.env[XML_CAPTURE_ENV] = dir;
  }
  mkdirSync(dir, { recursive: true });
  return dir;
}

let counter = 0;

/** Keeps one SOAP 1.2 envelope for the end-of-run validation; `name` says where it came from. */
export function captureXml(name: string, xml: string): void {
  const safe = name.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 80);
  writeFileSync(join(captureDir(), `${process.pid}-${String(++counter).padStart(4, '0')}-${safe}.xml`), xml);
}
