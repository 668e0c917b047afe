/** Display formats for times, durations and attributes; locale follows the chosen language. */
import { getLang, t } from './i18n.js';

const loc = () => (getLang() === 'zh' ? 'zh-CN' : 'en-GB');

export function fmtTime(ms: number): string {
  return new Date(ms).toLocaleString(loc(), {
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hour12: false,
  });
}

export function fmtDay(ms: number): string {
  return new Date(ms).toLocaleDateString(loc(), { month: '2-digit', day: '2-digit' });
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

/** A value for an `<input type="datetime-local">` in local time. */
export function toLocalInput(ms: number): string {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 16);
}

export function fromLocalInput(v: string): number | undefined {
  const ms = new Date(v).getTime();
  return Number.isFinite(ms) ? ms : undefined;
}

export function fmtCount(n: number): string {
  return n.toLocaleString(loc());
}

/** "12 results" when that is all of them; "first 48 results, more below" while pages remain. */
export function countLabel(shown: number, more: boolean): string {
  return more ? t('firstResults').replace('{n}', fmtCount(shown)) : `${fmtCount(shown)} ${t('results')}`;
}
