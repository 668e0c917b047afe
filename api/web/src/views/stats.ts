/**
 * Statistics: hits per hour or day by type (uPlot), hits by org with a county → town →
 * village drill-down, top cameras, and camera health. Org totals are summed here from the
 * per-camera counts through each camera's grid, so one stats query serves every level.
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { type Ctx, cameraName, type View } from '../ctx.js';
import { field, fill, h, select } from '../dom.js';
import { fmtCount, fmtTime, tickLabel } from '../format.js';
import { t, tv } from '../i18n.js';
import { ancestors, bucketTimes, type StatRow, statRows, sumByKey } from '../model.js';
import { boxColour } from '../snapshot.js';
import { empty, errorBox, loading } from '../ui.js';

/** One colour per hit type in the chart (boxes use one red for every event; a legend cannot). */
const SERIES_COLOUR: Record<string, string> = {
  person: '#4cc9f0',
  vehicle: '#ffd166',
  non_motor: '#b8f2a0',
  object: '#3fb950',
  illegal_parking: '#ff5d73',
  zone_intrusion: '#f78166',
  line_crossing: '#d2a8ff',
  wrong_way: '#ff9bce',
  crowding: '#ffa657',
  loitering: '#79c0ff',
  abandoned_object: '#e3b341',
};

function typeChart(
  el: HTMLElement,
  rows: StatRow[],
  bucket: string,
  span: { fromMs: number; toMs: number },
): () => void {
  const stepMs = bucket === 'day' ? 86_400_000 : 3_600_000;
  const times = bucketTimes([...new Set(rows.map((r) => r.tMs ?? 0))], stepMs, span);
  const types = [...new Set(rows.map((r) => r.key))].sort();
  if (!times.length) {
    fill(el, empty());
    return () => undefined;
  }
  const idx = new Map(times.map((x, i) => [x, i]));
  const series = types.map(() => times.map(() => 0));
  for (const r of rows) series[types.indexOf(r.key)]![idx.get(r.tMs ?? 0)!]! += r.count;
  const width = () => Math.max(280, el.clientWidth);
  const opts: uPlot.Options = {
    width: width(),
    height: 260,
    series: [
      { label: t('time'), value: (_u, v) => (v == null ? '' : fmtTime(v * 1000)) },
      ...types.map((x) => ({
        label: tv(x),
        stroke: SERIES_COLOUR[x] ?? boxColour(x),
        width: 2,
        points: { show: times.length < 60 },
      })),
    ],
    axes: [
      {
        stroke: '#c9d4e0',
        grid: { stroke: '#24364a' },
        ticks: { stroke: '#24364a' },
        // Local 24-hour clock (or the date for day buckets), in the chosen language's format.
        // The step between ticks decides: a day or more (30 days of hourly buckets) shows dates, not 00:00.
        values: (_u, splits) => {
          const stepS = splits.length > 1 ? splits[1]! - splits[0]! : bucket === 'day' ? 86_400 : 3600;
          return splits.map((v) => tickLabel(v * 1000, stepS * 1000, bucket));
        },
      },
      { stroke: '#c9d4e0', grid: { stroke: '#24364a' }, ticks: { stroke: '#24364a' }, size: 56 },
    ],
    scales: { x: { time: true } },
  };
  fill(el);
  const plot = new uPlot(opts, [times.map((x) => x / 1000), ...series], el);
  const ro = new ResizeObserver(() => plot.setSize({ width: width(), height: 260 }));
  ro.observe(el);
  return () => {
    ro.disconnect();
    plot.destroy();
  };
}

function bars(items: { key: string; label: string; count: number; onClick?: () => void }[]): HTMLElement {
  const max = Math.max(1, ...items.map((i) => i.count));
  return h(
    'ul',
    { className: 'bars' },
    ...items.map((i) =>
      h(
        'li',
        { dataset: { key: i.key } },
        i.onClick
          ? h('button', { type: 'button', className: 'link', onclick: i.onClick }, i.label)
          : h('span', null, i.label),
        h(
          'span',
          { className: 'bar', attrs: { 'aria-hidden': 'true' } },
          h('span', { style: { width: `${(100 * i.count) / max}%` } }),
        ),
        h('span', { className: 'num' }, fmtCount(i.count)),
      ),
    ),
  );
}

/** Org drill-down from per-camera counts. */
function orgPanel(ctx: Ctx, el: HTMLElement, camRows: StatRow[]): void {
  const byOrg = new Map<string, number>();
  for (const r of camRows) {
    const cam = ctx.camById.get(r.key);
    if (!cam) continue;
    for (const o of ancestors(ctx.orgIndex, cam.grid)) byOrg.set(o, (byOrg.get(o) ?? 0) + r.count);
  }
  const show = (parent: string | undefined) => {
    const children = parent ? (ctx.orgIndex.get(parent)?.node.children ?? []) : ctx.orgs;
    const items = children.map((c) => ({
      key: c.id,
      label: c.name,
      count: byOrg.get(c.id) ?? 0,
      ...(c.children?.length ? { onClick: () => show(c.id) } : {}),
    }));
    const crumbs = parent ? ancestors(ctx.orgIndex, parent).reverse() : [];
    fill(
      el,
      h(
        'nav',
        { className: 'crumbs', attrs: { 'aria-label': t('byOrg') } },
        h('button', { type: 'button', className: 'link', onclick: () => show(undefined) }, '⌂'),
        ...crumbs.map((id) => [
          ' › ',
          h(
            'button',
            {
              type: 'button',
              className: 'link',
              onclick: () => show(id),
              attrs: { 'aria-current': id === parent ? 'true' : undefined },
            },
            ctx.orgIndex.get(id)?.node.name ?? id,
          ),
        ]),
      ),
      items.length ? bars(items) : empty(),
    );
  };
  // Start at the principal's org when it has children, else at the top.
  const start =
    ctx.principal.org && ctx.orgIndex.get(ctx.principal.org)?.node.children?.length
      ? ctx.principal.org
      : undefined;
  show(start);
}

/** Problems first: offline and failing cameras, then the rest; never-reported ones last. */
const STATE_ORDER = [
  'offline',
  'stalled',
  'reconnecting',
  'connecting',
  'unknown',
  'stopped',
  'ended',
  'streaming',
];
function stateRank(c: object): number {
  const st = (c as { status?: { state?: unknown } }).status?.state;
  const i = STATE_ORDER.indexOf(String(st));
  return i < 0 ? STATE_ORDER.length : i;
}

function healthTable(ctx: Ctx, el: HTMLElement, camRows: StatRow[]): void {
  const counts = new Map(camRows.map((r) => [r.key, r.count]));
  const cell = (v: unknown, f?: (n: number) => string) =>
    typeof v === 'number' ? (f ? f(v) : fmtCount(v)) : '—';
  fill(
    el,
    h(
      'table',
      { className: 'table' },
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          ...[t('camera'), t('hits'), t('fps'), t('drops'), t('reconnects'), t('lastSeen'), t('state')].map(
            (x) => h('th', { scope: 'col' }, x),
          ),
        ),
      ),
      h(
        'tbody',
        null,
        ...[...ctx.cameras]
          .sort((a, b) => stateRank(a) - stateRank(b))
          .map((c) => {
            // What the camera's gateway last reported (GET /cameras `status`; absent: never heard from).
            const hl = ((c as { status?: unknown }).status ?? {}) as Record<string, unknown>;
            const state =
              typeof hl.state === 'string'
                ? tv(hl.state) + (hl.stale === true ? ` (${t('stale')})` : '')
                : '—';
            return h(
              'tr',
              null,
              h('th', { scope: 'row' }, cameraName(ctx, c.id)),
              h('td', { className: 'num' }, fmtCount(counts.get(c.id) ?? 0)),
              h(
                'td',
                { className: 'num' },
                cell(hl.fps, (n) => n.toFixed(1)),
              ),
              h('td', { className: 'num' }, cell(hl.framesDropped)),
              h('td', { className: 'num' }, cell(hl.reconnects)),
              h('td', null, cell(hl.lastFrameMs, fmtTime)),
              h(
                'td',
                { className: `cam-state cam-${String(hl.state ?? 'none')}` },
                state,
                // Why it is not streaming (the gateway's last error, e.g. ffmpeg's connection refused).
                healthError(hl),
              ),
            );
          }),
      ),
    ),
  );
  // Six columns do not fit a phone: the table scrolls inside its panel, not the page.
  const table = el.firstElementChild;
  if (table)
    el.replaceChildren(
      h(
        'div',
        { className: 'table-wrap', attrs: { tabindex: 0, role: 'region', 'aria-label': t('cameraHealth') } },
        table,
      ),
    );
}

export const statsView: View = (root, ctx) => {
  const range = select(
    [
      ['1', t('last24h')],
      ['7', t('last7d')],
      ['30', t('last30d')],
    ],
    ctx.params.get('days') ?? '1',
  );
  const bucket = select(
    [
      ['hour', t('perHour')],
      ['day', t('perDay')],
    ],
    ctx.params.get('bucket') ?? 'hour',
  );
  const chart = h('div', { className: 'chart', attrs: { 'aria-label': t('byType'), role: 'img' } });
  const org = h('div', { className: 'org-panel' });
  const top = h('div', { className: 'top-cams' });
  const health = h('div', { className: 'health' });
  let cleanup: () => void = () => undefined;
  const load = async () => {
    cleanup();
    for (const el of [chart, org, top, health]) fill(el, loading());
    const toMs = Date.now();
    const fromMs = toMs - Number(range.value) * 86_400_000;
    try {
      const [byType, byCam] = await Promise.all([
        ctx.api.get('/api/v1/stats', { from: fromMs, to: toMs, bucket: bucket.value, by: 'type' }),
        ctx.api.get('/api/v1/stats', { from: fromMs, to: toMs, bucket: 'day', by: 'camera' }),
      ]);
      const camRows = sumByKey(statRows(byCam, 'camera'));
      cleanup = typeChart(chart, statRows(byType, 'type'), bucket.value, { fromMs, toMs });
      orgPanel(ctx, org, camRows);
      const ranked = [...camRows].sort((a, b) => b.count - a.count).slice(0, 10);
      fill(
        top,
        ranked.length
          ? bars(ranked.map((r) => ({ key: r.key, label: cameraName(ctx, r.key), count: r.count })))
          : empty(),
      );
      healthTable(ctx, health, camRows);
    } catch (e) {
      for (const el of [chart, org, top, health])
        fill(
          el,
          errorBox(e, () => void load()),
        );
    }
  };
  range.onchange = () => void load();
  bucket.onchange = () => void load();
  const panel = (title: string, body: HTMLElement, wide = false) =>
    h('section', { className: `panel${wide ? ' wide' : ''}` }, h('h2', null, title), body);
  fill(
    root,
    h('div', { className: 'toolbar' }, field(t('range'), range), field(t('bucket'), bucket)),
    h(
      'div',
      { className: 'panels' },
      panel(t('byType'), chart, true),
      panel(t('byOrg'), org),
      panel(t('topCameras'), top),
      panel(t('cameraHealth'), health, true),
    ),
  );
  void load();
  return () => cleanup();
};

function healthError(hl: Record<string, unknown>): HTMLElement | null {
  const e = hl.error as { code?: unknown; message?: unknown } | undefined;
  if (!e || typeof e.message !== 'string' || hl.state === 'streaming') return null;
  return h('div', { className: 'cam-error', title: typeof e.code === 'string' ? e.code : '' }, e.message);
}
