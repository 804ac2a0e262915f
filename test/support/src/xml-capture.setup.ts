import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Medium project global setup: one capture directory for the whole run; the workers inherit it
 * through the environment (XML_CAPTURE_ENV of onvif-xml.ts). Jest loads this file on its own,
 * outside the module mapping, so it imports nothing of the project.
 */
export default function setup(): void {
  process.env.DESK_ONVIF_XML_DIR = mkdtempSync(join(tmpdir(), 'desk-onvif-xml-'));
}
