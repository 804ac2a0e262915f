import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { REPO_ROOT } from '@desk-onvif/test-support';

export const CHROMIUM = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';
/** Screenshots of the browser tests: kept as artifacts, never committed. */
export const ARTIFACTS = join(REPO_ROOT, 'test-artifacts', 'console');

/**
 * Whether Chromium is here; without it a browser test skips with the reason, except under CI=true
 * where a missing prerequisite fails (scripts/ensure-system-deps.sh installs it).
 */
export function chromiumAvailable(purpose: string): boolean {
  if (existsSync(CHROMIUM)) return true;
  const why = `${purpose}: ${CHROMIUM} is missing (apt-get install chromium, or scripts/ensure-system-deps.sh)`;
  if (process.env.CI === 'true') throw new Error(why);
  console.warn(`skipping ${why}`);
  return false;
}

/** Debian's Chromium, headless, with a fresh profile; trusts only the given certificate's errors. */
export async function launchChromium(): Promise<{ browser: Browser; close: () => Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), 'desk-onvif-chromium-'));
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    // The console's certificate is the test's own, not in Chromium's store.
    acceptInsecureCerts: true,
    args: [
      ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
      '--headless',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      `--user-data-dir=${profile}`,
      // WebRTC on one machine: loopback candidates, and real addresses rather than mDNS names
      // (a WebRTC server such as MediaMTX does not resolve .local names).
      '--allow-loopback-in-peer-connection',
      '--disable-features=WebRtcHideLocalIpsWithMdns',
      '--autoplay-policy=no-user-gesture-required',
    ],
  });
  return {
    browser,
    close: async () => {
      await browser.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** Signs in through the page's form, as a person would. */
export async function signInThroughPage(
  page: Page,
  url: string,
  username: string,
  password: string,
): Promise<void> {
  await page.goto(url);
  await page.waitForSelector('input[name=username]');
  await page.type('input[name=username]', username);
  await page.type('input[name=password]', password);
  await page.click('button[type=submit]');
  await page.waitForSelector('[data-fleet-ready=true]');
}

/**
 * Browser-side code runs as source text: the tests' type-check has no DOM library, so page
 * functions are strings evaluated in the page.
 */
function inPage<T>(page: Page, body: string, arg: unknown): Promise<T> {
  return page.evaluate(`((arg) => { ${body} })(${JSON.stringify(arg)})`) as Promise<T>;
}

/** The text of the first element matching `selector`, or undefined when there is none. */
export function textOf(page: Page, selector: string): Promise<string | undefined> {
  return inPage(
    page,
    'const e = document.querySelector(arg); return e ? e.textContent : undefined;',
    selector,
  );
}

/** The computed style property of the first element matching `selector`. */
export function styleOf(page: Page, selector: string, property: string): Promise<string | undefined> {
  return inPage(
    page,
    'const e = document.querySelector(arg.s); return e ? getComputedStyle(e).getPropertyValue(arg.p) : undefined;',
    { s: selector, p: property },
  );
}

export function countOf(page: Page, selector: string): Promise<number> {
  return inPage(page, 'return document.querySelectorAll(arg).length;', selector);
}

/** In-page code: the mean colour of the middle half of `el` (w x h) drawn to a canvas. */
const MEAN_OF_MIDDLE = `    const c = document.createElement('canvas');
    c.width = w;
    c.height = h;
    const ctx = c.getContext('2d');
    ctx.drawImage(el, 0, 0);
    const d = ctx.getImageData(Math.floor(c.width / 4), Math.floor(c.height / 4), Math.max(1, Math.floor(c.width / 2)), Math.max(1, Math.floor(c.height / 2))).data;
    const sum = [0, 0, 0];
    for (let i = 0; i < d.length; i += 4) { sum[0] += d[i]; sum[1] += d[i + 1]; sum[2] += d[i + 2]; }
    const n = d.length / 4;
    return [sum[0] / n, sum[1] / n, sum[2] / n];`;

/** The mean colour of the middle of a loaded <img> in the page, read back from a canvas. */
export function imageColour(page: Page, selector: string): Promise<[number, number, number] | undefined> {
  return inPage(
    page,
    `const img = document.querySelector(arg);
    if (!img || !img.complete || img.naturalWidth === 0) return undefined;
    const [el, w, h] = [img, img.naturalWidth, img.naturalHeight];
${MEAN_OF_MIDDLE}`,
    selector,
  );
}

/** The mean colour of the middle of a playing <video>'s current frame (drawImage to a canvas). */
export function videoColour(page: Page, selector: string): Promise<[number, number, number] | undefined> {
  return inPage(
    page,
    `const v = document.querySelector(arg);
    if (!v || v.readyState < 2 || v.videoWidth === 0) return undefined;
    const [el, w, h] = [v, v.videoWidth, v.videoHeight];
${MEAN_OF_MIDDLE}`,
    selector,
  );
}

/** The doctor's results on the page: each check's status by id. */
export function inPageChecks(page: Page): Promise<Record<string, string>> {
  return inPage(
    page,
    'return Object.fromEntries([...document.querySelectorAll(arg)].map((e) => [e.dataset.check, e.dataset.status]));',
    '[data-check]',
  );
}
