/**
 * RFC 3339 timestamps (`2026-11-22T10:00:00.000Z`, `2026-11-22T12:00:00+02:00`): a time zone is required
 * and impossible dates (February 30th, hour 24) are refused rather than rolled over as `Date.parse` would.
 * Leap seconds (`:60`) are refused too: JavaScript dates cannot hold them.
 */

// 0000-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z: the instants a 4-digit ISO string can name.
const MIN_MS = -62167219200000;
const MAX_MS = 253402300799999;

function digitsAt(s: string, at: number, count: number): number {
  let v = 0;
  for (let i = at; i < at + count; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

function isLeapYear(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

function daysInMonth(y: number, m: number): number {
  if (m === 2) return isLeapYear(y) ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil); avoids Date.UTC's
// mapping of years 0..99 to 1900..1999.
function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** Milliseconds since the epoch, or NaN when `s` is not a valid RFC 3339 timestamp with a time zone. */
export function parseRfc3339(s: string): number {
  const n = s.length;
  if (n < 20 || n > 64) return NaN;
  const y = digitsAt(s, 0, 4);
  const mo = digitsAt(s, 5, 2);
  const d = digitsAt(s, 8, 2);
  const t = s.charCodeAt(10);
  const h = digitsAt(s, 11, 2);
  const mi = digitsAt(s, 14, 2);
  const sec = digitsAt(s, 17, 2);
  if (
    y < 0 || mo < 0 || d < 0 || h < 0 || mi < 0 || sec < 0 ||
    s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || (t !== 84 && t !== 116) ||
    s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58
  ) return NaN;
  let i = 19;
  let ms = 0;
  if (s.charCodeAt(i) === 46) {
    const start = ++i;
    while (i < n) {
      const c = s.charCodeAt(i) - 48;
      if (c < 0 || c > 9) break;
      if (i - start < 3) ms = ms * 10 + c;
      i++;
    }
    const digits = i - start;
    if (digits === 0) return NaN;
    if (digits === 1) ms *= 100;
    else if (digits === 2) ms *= 10;
  }
  let offsetMinutes = 0;
  const z = s.charCodeAt(i);
  if (z === 90 || z === 122) {
    i++;
  } else if (z === 43 || z === 45) {
    const oh = digitsAt(s, i + 1, 2);
    const om = digitsAt(s, i + 4, 2);
    if (oh < 0 || om < 0 || s.charCodeAt(i + 3) !== 58 || oh > 23 || om > 59) return NaN;
    offsetMinutes = (z === 45 ? -1 : 1) * (oh * 60 + om);
    i += 6;
  } else {
    return NaN;
  }
  if (i !== n) return NaN;
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 || sec > 59) return NaN;
  const epochMs = (((daysFromCivil(y, mo, d) * 24 + h) * 60 + mi) * 60 + sec) * 1000 + ms - offsetMinutes * 60000;
  return epochMs < MIN_MS || epochMs > MAX_MS ? NaN : epochMs;
}

const SHAPE = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?/;
const ZONE = /^(?:[Zz]|[+-]\d{2}:\d{2})$/;

/** Why `parseRfc3339` refused `s`, as a message saying what to send instead. Only for the error path. */
export function describeRfc3339Problem(s: string): string {
  const example = 'like 2026-11-22T10:00:00.000Z or 2026-11-22T12:00:00+02:00';
  const shape = SHAPE.exec(s);
  if (shape === null) return `must be an RFC 3339 timestamp with a time zone, ${example}`;
  const rest = s.slice(shape[0].length);
  if (rest === '') return `needs a time zone: end it with Z (UTC) or an offset, ${example}`;
  if (!ZONE.test(rest) || rest.length > 6) return `must be an RFC 3339 timestamp with a time zone, ${example}`;
  return 'is not a real date and time: check the month (01-12), the day (within the month), the hour (00-23), '
    + 'minutes and seconds (00-59) and the offset, and keep the year within 0000-9999';
}

/** The canonical form stores and filters use: ISO 8601 UTC with milliseconds. */
export function toIsoUtc(epochMs: number): string {
  return new Date(epochMs).toISOString();
}
