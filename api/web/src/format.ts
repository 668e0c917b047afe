/** Display formats for times, durations and attributes; locale follows the chosen language. */
import { getLang, t } from './i18n.js';

const loc = () => (getLang() === 'zh' ? 'zh-CN' : 'en-GB');

const p2 = (n: number) => String(n).padStart(2, '0');

/**
 * One date format everywhere, in both languages: ISO order, 24-hour, local time
 * (`12-07 09:52:30`; the time inputs read and write `2026-12-07 09:52`). Locale formats put the
 * day first (en-GB) or the month first (en-US) and met on one screen.
 */
export function fmtTime(ms: number): string {
  const d = new Date(ms);
  return `${fmtDay(ms)} ${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())}`;
}

export function fmtDay(ms: number): string {
  const d = new Date(ms);
  return `${p2(d.getMonth() + 1)}-${p2(d.getDate())}`;
}

export function fmtClock(ms: number): string {
  return new Date(ms).toLocaleTimeString(loc(), {
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hour12: false,
  });
}

/**
 * A time-axis tick: the date when ticks are a day or more apart (30 days of hourly buckets
 * would otherwise read 00:00 at every tick) or the buckets are days; else HH:MM.
 */
export function tickLabel(ms: number, stepMs: number, bucket: string): string {
  return bucket === 'day' || stepMs >= 86_400_000 ? fmtDay(ms) : fmtClock(ms).slice(0, 5);
}

/** `1 h 5 min`, `3 min 20 s`, `12 s` (or 小时/分/秒). */
export function fmtDuration(ms: number): string {
  const zh = getLang() === 'zh';
  const s = Math.round(Math.abs(ms) / 1000);
  const d = Math.floor(s / 86400);
  const hh = Math.floor((s % 86400) / 3600);
  const mm = Math.floor((s % 3600) / 60);
  const ss = s % 60;
  const u = zh ? { d: '天', h: '小时', m: '分', s: '秒' } : { d: ' d', h: ' h', m: ' min', s: ' s' };
  const parts: string[] = [];
  if (d) parts.push(`${d}${u.d}`);
  if (hh) parts.push(`${hh}${u.h}`);
  if (mm && !d) parts.push(`${mm}${u.m}`);
  if (!d && !hh && (ss || !mm)) parts.push(`${ss}${u.s}`);
  return parts.join(zh ? '' : ' ');
}

/** The value of a time input, `YYYY-MM-DD HH:mm` in local time. */
export function toLocalInput(ms: number): string {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 16).replace('T', ' ');
}

/** `YYYY-MM-DD HH:mm[:ss]` (or with a `T`) in local time → epoch ms; undefined when it is not one. */
export function fromLocalInput(v: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?$/.exec(v.trim());
  if (!m) return undefined;
  const [y, mo, d, hh, mm, ss] = m.slice(1).map((x) => Number(x ?? 0)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const t = new Date(y, mo - 1, d, hh, mm, ss);
  // Date rolls 2026-13-01 over into the next year: only a real calendar time is one.
  if (t.getMonth() !== mo - 1 || t.getDate() !== d || hh > 23 || mm > 59 || ss > 59) return undefined;
  return t.getTime();
}

export function fmtCount(n: number): string {
  return n.toLocaleString(loc());
}

/** "12 results" when that is all of them; "first 48 results, more below" while pages remain. */
export function countLabel(shown: number, more: boolean): string {
  return more ? t('firstResults').replace('{n}', fmtCount(shown)) : `${fmtCount(shown)} ${t('results')}`;
}
