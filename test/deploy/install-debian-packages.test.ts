import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, run } from '@desk-onvif/test-support';

/**
 * scripts/install-debian-packages.sh (what every ensure-*-deps.sh installs with) and
 * ensure-bench-deps.sh run for real in a scratch copy, PATH holding only stand-ins for apt-get,
 * id and sudo that record how they were called: nothing is installed on the build machine.
 */
let dir: string;
const bin = () => join(dir, 'bin');
const calls = () => (existsSync(join(dir, 'calls')) ? readFileSync(join(dir, 'calls'), 'utf8') : '');

function stand(name: string, body: string): void {
  writeFileSync(join(bin(), name), `#!/bin/sh\n${body}\n`);
  chmodSync(join(bin(), name), 0o755);
}

/** apt-get records its arguments (and DEBIAN_FRONTEND); `failing` names a subcommand that fails. */
function aptGet(failing = ''): void {
  stand(
    'apt-get',
    [
      `echo "apt-get $* DEBIAN_FRONTEND=$DEBIAN_FRONTEND" >> "${join(dir, 'calls')}"`,
      `[ "$1" = "${failing}" ] && { echo "E: Unable to locate package" >&2; exit 100; }`,
      'exit 0',
    ].join('\n'),
  );
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'desk-onvif-apt-'));
  mkdirSync(join(dir, 'scripts'));
  mkdirSync(bin());
  for (const script of ['install-debian-packages.sh', 'ensure-bench-deps.sh']) {
    copyFileSync(join(REPO_ROOT, 'scripts', script), join(dir, 'scripts', script));
    chmodSync(join(dir, 'scripts', script), 0o755);
  }
  aptGet();
  stand('id', 'echo 0');
  // The scripts start with `#!/usr/bin/env bash`; ensure-*-deps.sh find their helper with dirname.
  symlinkSync('/bin/bash', join(bin(), 'bash'));
  symlinkSync('/usr/bin/dirname', join(bin(), 'dirname'));
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** With PATH holding the stand-ins, bash and dirname only, nothing else of the environment. */
function inScratch(name: string, ...args: string[]) {
  return run('/usr/bin/env', ['-i', `PATH=${bin()}`, '/bin/bash', join(dir, 'scripts', name), ...args]);
}

test('nothing named: apt-get is not called', async () => {
  const res = await inScratch('install-debian-packages.sh');
  expect(res.code).toBe(0);
  expect(res.stdout.toString()).toBe('');
  expect(calls()).toBe('');
});

test('as root: apt-get update, then install of exactly the named packages, noninteractive', async () => {
  const res = await inScratch('install-debian-packages.sh', 'wrk', 'zip');
  expect(res.code).toBe(0);
  expect(res.stdout.toString()).toContain('installing Debian packages: wrk zip');
  expect(calls()).toBe(
    'apt-get update -qq DEBIAN_FRONTEND=\n' +
      'apt-get install -y -qq --no-install-recommends wrk zip DEBIAN_FRONTEND=noninteractive\n',
  );
});

test('not root: through sudo', async () => {
  stand('id', 'echo 1000');
  stand('sudo', `echo "sudo $1" >> "${join(dir, 'calls')}"\nexec "$@"`);
  const res = await inScratch('install-debian-packages.sh', 'wrk');
  expect(res.code).toBe(0);
  expect(calls()).toBe(
    'sudo apt-get\napt-get update -qq DEBIAN_FRONTEND=\n' +
      'sudo apt-get\napt-get install -y -qq --no-install-recommends wrk DEBIAN_FRONTEND=noninteractive\n',
  );
});

test('not root and no sudo: fails and says what to install', async () => {
  stand('id', 'echo 1000');
  const res = await inScratch('install-debian-packages.sh', 'wrk', 'zip');
  expect(res.code).not.toBe(0);
  expect(res.stderr).toContain('could not install Debian packages (not root, and no sudo): wrk zip');
  expect(res.stderr).toContain('apt-get install wrk zip');
  expect(calls()).toBe('');
});

test('apt-get install fails: the script fails and names the packages', async () => {
  aptGet('install');
  const res = await inScratch('install-debian-packages.sh', 'no-such-package');
  expect(res.code).not.toBe(0);
  expect(res.stderr).toContain('E: Unable to locate package');
  expect(res.stderr).toContain('could not install Debian packages (apt-get install failed): no-such-package');
});

test('ensure-bench-deps.sh installs wrk when it is missing, and nothing when it is there', async () => {
  const missing = await inScratch('ensure-bench-deps.sh');
  expect(missing.code).toBe(0);
  expect(calls()).toContain(
    'apt-get install -y -qq --no-install-recommends wrk DEBIAN_FRONTEND=noninteractive',
  );
  rmSync(join(dir, 'calls'));
  stand('wrk', 'exit 0');
  const present = await inScratch('ensure-bench-deps.sh');
  expect(present.code).toBe(0);
  expect(calls()).toBe('');
});
