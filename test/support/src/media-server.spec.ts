import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chooseMediaServer } from './media-server.js';

/** The choice of media server: a binary first, then Docker, else the relay double. */
describe('chooseMediaServer', () => {
  const saved = { ...process.env };
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'desk-onvif-choose-'));
    delete process.env.MEDIAMTX_BIN;
    delete process.env.MEDIA_SERVER;
  });
  afterEach(() => {
    process.env = { ...saved };
    rmSync(dir, { recursive: true, force: true });
  });

  it('takes MEDIAMTX_BIN', async () => {
    process.env.MEDIAMTX_BIN = '/opt/mediamtx/mediamtx';
    expect(await chooseMediaServer()).toMatchObject({
      kind: 'mediamtx-binary',
      why: expect.stringContaining('/opt/mediamtx') as unknown,
    });
  });

  it('finds a mediamtx on PATH', async () => {
    const bin = join(dir, 'mediamtx');
    writeFileSync(bin, '#!/bin/sh\n');
    chmodSync(bin, 0o755);
    process.env.PATH = `${dir}:${process.env.PATH}`;
    expect((await chooseMediaServer()).kind).toBe('mediamtx-binary');
  });

  it('lets MEDIA_SERVER=relay force the double', async () => {
    process.env.MEDIAMTX_BIN = '/opt/mediamtx/mediamtx';
    process.env.MEDIA_SERVER = 'relay';
    expect((await chooseMediaServer()).kind).toBe('relay-double');
  });

  // How fast the Docker probe gives up is not asserted here (a timed assertion fails on a loaded
  // machine); a probe that hung would exceed the test's timeout.
  it('falls back to the double where nothing else is (or asks Docker where it answers)', async () => {
    process.env.PATH = '/usr/bin:/bin';
    const choice = await chooseMediaServer();
    expect(['relay-double', 'mediamtx-container']).toContain(choice.kind);
    if (choice.kind === 'relay-double') expect(choice.why).toMatch(/no mediamtx binary and no Docker/);
  }, 30_000);
});
