/**
 * Sensors (docs/iot.md): the sensor layer over the camera positions (an SVG plot like the
 * route view's, coloured by state), the list with each sensor's newest readings, and a chart
 * of the selected sensor's series from the rollups (uPlot: min–max band edges and average).
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { type Ctx, cameraName, type View } from '../ctx.js';
import { field, fill, h, s, select } from '../dom.js';
import { fmtClock, fmtTime } from '../format.js';
import { fitProjection } from '../geo.js';
import { type Key, t } from '../i18n.js';
import { empty, errorBox, loading } from '../ui.js';

export interface SensorRow {
  id: string;
  name: string;
  kind: string;
  grid: string;
  lat: number;
  lon: number;
  state: 'ok' | 'silent' | 'unknown';
  metrics: Array<{ metric: string; unit: string }>;
  last: Array<{ metric: string; unit: string; value: number; tsMs: number }>;
}

interface SeriesBody {
  series: Array<{
    metric: string;
    unit: string;
    points: Array<{ tsMs: number; min: number; max: number; avg: number }>;
  }>;
}

const W = 720;
const H = 360;
const STATE_COLOUR: Record<SensorRow['state'], string> = {
  ok: '#3fb950',
  silent: '#ff5d73',
  unknown: '#8b949e',
};
const STATE_KEY: Record<SensorRow['state'], Key> = {
  ok: 'sensorState_ok',
  silent: 'sensorState_silent',
  unknown: 'sensorState_unknown',
};
const COLUMNS: Key[] = [
  'sensorCol_id',
  'sensorCol_kind',
  'sensorCol_grid',
  'sensorCol_state',
  'sensorCol_lastReading',
];

function plot(ctx: Ctx, sensors: SensorRow[], onPick: (id: string) => void): SVGElement {
  const pts = [...ctx.cameras, ...sensors].map((p) => ({ lat: p.lat, lon: p.lon }));
  const proj = fitProjection(pts, W, H, 24);
  const svg = s('svg', {
    viewBox: `0 0 ${W} ${H}`,
    class: 'route-map sensor-map',
    role: 'img',
    'aria-label': t('sensors'),
  });
  for (const c of ctx.cameras) {
    const p = proj(c);
    svg.appendChild(
      s('circle', { cx: p.x, cy: p.y, r: 4, class: 'cam-dot' }, s('title', {}, cameraName(ctx, c.id))),
    );
  }
  for (const x of sensors) {
    const p = proj(x);
    const mark = s(
      'rect',
      {
        x: p.x - 6,
        y: p.y - 6,
        width: 12,
        height: 12,
        rx: 2,
        fill: STATE_COLOUR[x.state],
        'data-sensor': x.id,
        tabindex: 0,
      },
      s('title', {}, `${x.name || x.id} · ${x.kind} · ${t(STATE_KEY[x.state])}`),
    );
    mark.addEventListener('click', () => onPick(x.id));
    svg.appendChild(mark);
  }
  return svg;
}

function lastText(x: SensorRow): string {
  return x.last.map((l) => `${l.metric} ${Math.round(l.value * 100) / 100} ${l.unit}`).join(', ') || '—';
}

function chart(el: HTMLElement, body: SeriesBody): () => void {
  const first = body.series[0];
  if (!first || first.points.length === 0) {
    fill(el, empty());
    return () => undefined;
  }
  const xs = first.points.map((p) => p.tsMs / 1000);
  const width = () => Math.max(280, el.clientWidth);
  const line = (label: string, stroke: string, dash?: number[]) => ({
    label,
    stroke,
    width: 2,
    ...(dash ? { dash } : {}),
  });
  const opts: uPlot.Options = {
    width: width(),
    height: 240,
    series: [
      { label: t('time'), value: (_u, v) => (v == null ? '' : fmtTime(v * 1000)) },
      line(`${first.metric} avg (${first.unit})`, '#4cc9f0'),
      line('min', '#8b949e', [4, 4]),
      line('max', '#ffa657', [4, 4]),
    ],
    axes: [
      {
        stroke: '#c9d4e0',
        grid: { stroke: '#24364a' },
        values: (_u, splits) => splits.map((v) => fmtClock(v * 1000).slice(0, 5)),
      },
      { stroke: '#c9d4e0', grid: { stroke: '#24364a' }, size: 56 },
    ],
    scales: { x: { time: true } },
  };
  fill(el);
  const u = new uPlot(
    opts,
    [xs, first.points.map((p) => p.avg), first.points.map((p) => p.min), first.points.map((p) => p.max)],
    el,
  );
  const ro = new ResizeObserver(() => u.setSize({ width: width(), height: 240 }));
  ro.observe(el);
  return () => {
    ro.disconnect();
    u.destroy();
  };
}

export const sensorsView: View = (root, ctx) => {
  const mapBox = h('div', { className: 'map-box' }, loading());
  const listBox = h('div', null);
  const chartBox = h('div', { className: 'chart' });
  const span = select(
    [
      ['6h', t('sensorLast6h')],
      ['48h', t('sensorLast48h')],
    ],
    '6h',
  );
  const title = h('h3', null, t('sensorSeries'));
  fill(
    root,
    h('section', { className: 'panel' }, h('h2', null, t('sensors')), mapBox, listBox),
    h('section', { className: 'panel' }, title, field(t('sensorSpan'), span), chartBox),
  );
  let picked = ctx.params.get('sensor') ?? '';
  let dropChart: () => void = () => undefined;
  let alive = true;
  /** The first configured metric of each sensor: what its chart shows. */
  const firstMetric = new Map<string, string>();

  const showSeries = async () => {
    if (!picked) return fill(chartBox, empty(t('sensorPick')));
    title.textContent = `${t('sensorSeries')}: ${picked}`;
    const now = Date.now();
    const minute = span.value === '6h';
    try {
      const body = await ctx.api.get<SeriesBody>(`/api/v1/sensors/${encodeURIComponent(picked)}/series`, {
        from: now - (minute ? 6 : 48) * 3_600_000,
        to: now + 60_000,
        bucket: minute ? 'minute' : 'hour',
        metric: firstMetric.get(picked),
      });
      if (!alive) return;
      dropChart();
      dropChart = chart(chartBox, body);
    } catch (e) {
      fill(
        chartBox,
        errorBox(e, () => void showSeries()),
      );
    }
  };
  const pick = (id: string) => {
    picked = id;
    void showSeries();
  };
  span.addEventListener('change', () => void showSeries());

  const load = async () => {
    try {
      const body = await ctx.api.get<{ sensors: SensorRow[] }>('/api/v1/sensors');
      if (!alive) return;
      for (const x of body.sensors) if (x.metrics[0]) firstMetric.set(x.id, x.metrics[0].metric);
      fill(mapBox, plot(ctx, body.sensors, pick));
      fill(
        listBox,
        body.sensors.length === 0
          ? empty(t('noSensors'))
          : h(
              'table',
              { className: 'sensors' },
              h('tr', null, ...COLUMNS.map((k) => h('th', null, t(k)))),
              ...body.sensors.map((x) =>
                h(
                  'tr',
                  { dataset: { sensor: x.id, state: x.state } },
                  h(
                    'td',
                    null,
                    h(
                      'button',
                      { type: 'button', className: 'link', onclick: () => pick(x.id) },
                      x.name ? `${x.name} · ${x.id}` : x.id,
                    ),
                  ),
                  h('td', null, x.kind),
                  h('td', null, x.grid),
                  h('td', { style: { color: STATE_COLOUR[x.state] } }, t(STATE_KEY[x.state])),
                  h('td', null, lastText(x)),
                ),
              ),
            ),
      );
    } catch (e) {
      fill(
        mapBox,
        errorBox(e, () => void load()),
      );
    }
  };
  void load().then(showSeries);
  const timer = setInterval(() => void load(), 30_000);
  return () => {
    alive = false;
    clearInterval(timer);
    dropChart();
  };
};
