/**
 * Local time of day for rule windows (`hours.from`–`hours.to` in city.timezone). Pure: the
 * offset comes from Intl's tz database, cached per UTC hour (offsets change only on the
 * hour or half hour in every zone a Chinese city uses; the cache is bounded and cleared when
 * full).
 */
const CACHE_MAX = 4096;
const HOUR_MS = 3_600_000;

export class LocalClock {
  private readonly fmt: Intl.DateTimeFormat;
  private readonly offsets = new Map<number, number>();

  constructor(readonly timezone: string) {
    this.fmt = new Intl.DateTimeFormat('en-GB', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
    });
  }

  /** Offset of local time from UTC at `tsMs`, ms. */
  offsetMs(tsMs: number): number {
    const hour = Math.floor(tsMs / HOUR_MS);
    const hit = this.offsets.get(hour);
    if (hit !== undefined) return hit;
    const at = hour * HOUR_MS;
    const p: Record<string, number> = {};
    for (const part of this.fmt.formatToParts(at))
      if (part.type !== 'literal') p[part.type] = Number(part.value);
    const local = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!);
    const off = local - at;
    if (this.offsets.size >= CACHE_MAX) this.offsets.clear();
    this.offsets.set(hour, off);
    return off;
  }

  /** Minutes since local midnight, 0..1439. */
  minuteOfDay(tsMs: number): number {
    const local = tsMs + this.offsetMs(tsMs);
    return Math.floor((((local % 86_400_000) + 86_400_000) % 86_400_000) / 60_000);
  }

  /** Cached hours (tests check the bound). */
  get cached(): number {
    return this.offsets.size;
  }
}

/** `HH:MM` → minutes since midnight (`24:00` → 1440). */
export function parseHhmm(s: string): number {
  const [h, m] = s.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
}

/** Is `minute` in the daily window [from, to)? A window with from > to wraps midnight. */
export function inDailyWindow(minute: number, fromMin: number, toMin: number): boolean {
  if (fromMin === toMin) return fromMin === 0 || toMin === 1440;
  return fromMin < toMin ? minute >= fromMin && minute < toMin : minute >= fromMin || minute < toMin;
}
