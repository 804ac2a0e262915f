import { Faults } from './soap.fault.js';

/**
 * WS-BaseNotification's AbsoluteOrRelativeTimeType: an xs:dateTime or an xs:duration from now.
 * Clients send both: npm `onvif` `PT2M`, Home Assistant `PT10M`, scripts an absolute UTC time.
 */

const DURATION = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

/** xs:duration → milliseconds (a year taken as 365 days, a month as 30), or undefined. */
export function durationMs(text: string): number | undefined {
  const m = DURATION.exec(text.trim());
  if (!m || text.trim() === 'P' || text.trim().endsWith('T')) return undefined;
  const [, y, mo, d, h, mi, s] = m.map((v) => (v === undefined ? 0 : Number(v)));
  return ((((y! * 365 + mo! * 30 + d!) * 24 + h!) * 60 + mi!) * 60 + s!) * 1000;
}

/** xs:duration for a number of milliseconds, e.g. `PT60S`. */
export function durationText(ms: number): string {
  return `PT${Math.round(ms / 1000)}S`;
}

/**
 * The absolute time a termination request asks for. Absent → `now + fallbackMs`. In the past or
 * unreadable → a fault with the WS-BaseNotification fault's name as the ONVIF subcode.
 */
export function terminationTime(
  text: string | undefined,
  now: Date,
  fallbackMs: number,
  fault: 'UnacceptableInitialTerminationTimeFault' | 'UnacceptableTerminationTimeFault',
): Date {
  if (text === undefined || text.trim() === '') return new Date(now.getTime() + fallbackMs);
  const t = text.trim();
  const relative = t.startsWith('P') ? durationMs(t) : undefined;
  let at: number;
  if (relative !== undefined) at = now.getTime() + relative;
  else if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/.test(t)) at = Date.parse(t);
  else throw Faults.invalidArgVal(fault, `"${t.slice(0, 64)}" is neither an xs:duration nor an xs:dateTime`);
  if (Number.isNaN(at) || at <= now.getTime())
    throw Faults.invalidArgVal(fault, `the termination time ${t.slice(0, 64)} is not in the future`);
  return new Date(at);
}
