import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { cameraIdOf, identityKey, mediaPathsOf } from '@desk-onvif/contracts';
import { REPO_ROOT } from '@desk-onvif/test-support';

/**
 * mediamtx.yml uses only keys MediaMTX 1.20 knows, with values of the kind it expects: MediaMTX
 * refuses to start on an unknown key, and a typo would otherwise only show in the container.
 */
const REFERENCE = join(REPO_ROOT, '..', 'shared', 'reference', 'mediamtx', 'mediamtx.yml');
const haveReference = existsSync(REFERENCE);
if (!haveReference) console.warn(`skipping the MediaMTX key check: ${REFERENCE} is absent`);

type Conf = Record<string, unknown>;
const ours = parse(readFileSync(join(REPO_ROOT, 'mediamtx.yml'), 'utf8')) as Conf;
const reference = haveReference ? (parse(readFileSync(REFERENCE, 'utf8')) as Conf) : {};

function kindOf(v: unknown): string {
  if (v === null || v === undefined) return 'empty';
  if (Array.isArray(v)) return 'list';
  return typeof v;
}

/** A reference value with no default (empty) accepts a string; otherwise the kinds must agree. */
function sameKind(ref: unknown, value: unknown): boolean {
  const r = kindOf(ref);
  const v = kindOf(value);
  return r === v || (r === 'empty' && v === 'string');
}

function problemsIn(section: string, conf: Conf, ref: Conf): string[] {
  const problems: string[] = [];
  for (const [key, value] of Object.entries(conf)) {
    if (!(key in ref)) problems.push(`${section}${key}: not a MediaMTX 1.20 key`);
    else if (!sameKind(ref[key], value))
      problems.push(`${section}${key}: a ${kindOf(value)}, MediaMTX expects a ${kindOf(ref[key])}`);
  }
  return problems;
}

const pathEntries = Object.entries((ours.paths ?? {}) as Record<string, Conf | null>);
const cameraPathEntry = pathEntries.find(([name]) => name.startsWith('~'));

(haveReference ? describe : describe.skip)('mediamtx.yml against MediaMTX 1.20.1', () => {
  it('uses only known global keys, each with the kind of value MediaMTX expects', () => {
    const { pathDefaults: _d, paths: _p, ...globals } = ours;
    expect(problemsIn('', globals, reference)).toEqual([]);
  });

  it('uses only known path keys, in pathDefaults and in every path entry', () => {
    const refPath = reference.pathDefaults as Conf;
    const problems = problemsIn('pathDefaults.', (ours.pathDefaults ?? {}) as Conf, refPath);
    for (const [name, entry] of pathEntries)
      problems.push(...problemsIn(`paths.${name}.`, entry ?? {}, refPath));
    expect(problems).toEqual([]);
  });

  it('rejects a misspelt key (the check itself can fail)', () => {
    expect(problemsIn('', { authHttpAddress: 'x', api: 'yes' }, reference)).toEqual([
      'authHttpAddress: not a MediaMTX 1.20 key',
      'api: a string, MediaMTX expects a boolean',
    ]);
  });
});

describe('mediamtx.yml for desk-onvif', () => {
  it('asks the onvif service auth hook about every action', () => {
    expect(ours.authMethod).toBe('http');
    expect(String(ours.authHTTPAddress)).toMatch(/^http:\/\/[^/]+:\d+\/mediamtx\/auth$/);
    expect(ours.authHTTPExclude).toEqual([]);
  });

  it('serves RTSP over TCP and UDP, with the api and metrics on', () => {
    expect(ours.rtsp).toBe(true);
    expect(ours.rtspTransports).toEqual(expect.arrayContaining(['tcp', 'udp']));
    expect(ours.api).toBe(true);
    expect(ours.metrics).toBe(true);
  });

  it('has one regex path entry that matches exactly the camera paths of mediaPathsOf', () => {
    expect(cameraPathEntry).toBeDefined();
    const re = new RegExp(cameraPathEntry![0].slice(1));
    const id = cameraIdOf(identityKey({ mode: 'shared', hostId: 'lab-pc-1' }));
    const { main, sub } = mediaPathsOf(id);
    expect(re.test(main)).toBe(true);
    expect(re.test(sub)).toBe(true);
    for (const other of [
      `desk/${id}/third`,
      `desk/${id}/main/extra`,
      `x/desk/${id}/main`,
      'desk/not-a-uuid/main',
      'live',
    ])
      expect({ other, matches: re.test(other) }).toEqual({ other, matches: false });
  });
});
