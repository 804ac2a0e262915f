import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { icaclsArgs, protectSecretFile, windowsAccount, writeFileAtomic } from './secret.file.js';

describe('secret files', () => {
  it('Windows: an ACL of its own (no inherited entries) for the user and SYSTEM only', () => {
    expect(icaclsArgs('C:\\Users\\ada\\AppData\\Local\\desk-onvif\\state.json', 'LAB\\ada')).toEqual([
      'C:\\Users\\ada\\AppData\\Local\\desk-onvif\\state.json',
      '/inheritance:r',
      '/grant:r',
      'LAB\\ada:F',
      '*S-1-5-18:F',
    ]);
    expect(windowsAccount({ USERNAME: 'ada', USERDOMAIN: 'LAB' })).toBe('LAB\\ada');
    expect(windowsAccount({ USERNAME: 'ada' })).toBe('ada');
  });

  it('Linux: mode 0600, also for a file that was readable by all', () => {
    const dir = mkdtempSync(join(tmpdir(), 'secret-'));
    try {
      const file = join(dir, 'creds');
      writeFileSync(file, 'x', { mode: 0o644 });
      protectSecretFile(file, 'linux');
      expect(statSync(file).mode & 0o777).toBe(0o600);
      writeFileAtomic(join(dir, 'sub', 'state.json'), 'secret\n', { secret: true });
      expect(statSync(join(dir, 'sub', 'state.json')).mode & 0o777).toBe(0o600);
      expect(statSync(join(dir, 'sub')).mode & 0o777).toBe(0o700);
      expect(readFileSync(join(dir, 'sub', 'state.json'), 'utf8')).toBe('secret\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
