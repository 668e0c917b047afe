/**
 * Search: hits (time, camera, type, colours); vehicles (plate exact / wildcard / fuzzy,
 * colour, type) and persons (clothing colours, similar-to-this), the last two bound to a
 * case as the API requires. Results are a grid of snapshot cards; a click opens details.
 */
import type { PlateSighting } from '../../../../contracts/sightings.js';
import type { Query } from '../api.js';
import { type Ctx, cameraName, type View } from '../ctx.js';
import { field, fill, h, select, timeInput } from '../dom.js';
import { countLabel, fmtCount, fmtTime, fromLocalInput, toLocalInput } from '../format.js';
import { t, tv } from '../i18n.js';
import { COLOURS, EVENT_TYPES, type Hit, type HitLike, SIGHTING_TYPES } from '../model.js';
import { caseBar, empty, errorBox, hitCard, loading, showHitDialog } from '../ui.js';

type Tab = 'hits' | 'vehicles' | 'persons';
const TABS: Tab[] = ['hits', 'vehicles', 'persons'];
const HOUR = 3_600_000;

const colourSel = (v = '') => select([['', t('anyColor')], ...COLOURS.map((c) => [c, tv(c)] as const)], v);

function rangeFields(hours: number): { from: HTMLInputElement; to: HTMLInputElement; els: HTMLElement[] } {
  const now = Date.now();
  const from = timeInput(toLocalInput(now - hours * HOUR));
  const to = timeInput(toLocalInput(now + 5 * 60_000));
  return { from, to, els: [field(t('from'), from), field(t('to'), to)] };
}

/** Runs a paged search into `out`; `fetchPage(cursor)` returns hits and the next cursor. */
function pagedResults(
  ctx: Ctx,
  out: HTMLElement,
  fetchPage: (cursor?: string) => Promise<{ hits: HitLike[]; next?: string; head?: HTMLElement }>,
  actions: (hit: HitLike) => HTMLElement[],
): void {
  const grid = h('div', { className: 'grid' });
  const count = h('p', { className: 'count', attrs: { role: 'status' } });
  const more = h('button', { type: 'button', className: 'more' }, t('more'));
  let total = 0;
  const open = (hit: HitLike) => showHitDialog(ctx, hit, actions(hit));
  const page = async (cursor?: string) => {
    more.disabled = true;
    if (!cursor) fill(out, loading());
    try {
      const r = await fetchPage(cursor);
      if (!cursor) fill(out, r.head ?? null, count, grid);
      total += r.hits.length;
      for (const x of r.hits) grid.appendChild(hitCard(ctx, x, open));
      // Shown so far is not the total while more pages exist: say which it is.
      fill(count, countLabel(total, Boolean(r.next)));
      if (!total) fill(out, empty());
      if (r.next) {
        const next = r.next;
        more.onclick = () => void page(next);
        more.disabled = false;
        out.appendChild(more);
      } else more.remove();
    } catch (e) {
      fill(
        out,
        errorBox(e, () => void page(cursor)),
      );
    }
  };
  void page();
}

/** An org of the jurisdiction to search in, indented by level (city → … → grid). */
function areaSel(ctx: Ctx): HTMLSelectElement {
  const rows: (readonly [string, string])[] = [['', t('all')]];
  for (const [id, info] of ctx.orgIndex) rows.push([id, `${'\u3000'.repeat(info.depth)}${info.node.name}`]);
  return select(rows);
}

function hitsForm(ctx: Ctx, out: HTMLElement): HTMLElement {
  const r = rangeFields(24);
  const cam = select([
    ['', t('anyCamera')],
    ...ctx.cameras.map((c) => [c.id, cameraName(ctx, c.id)] as const),
  ]);
  const area = areaSel(ctx);
  const type = select([
    ['', t('all')],
    ...[...SIGHTING_TYPES, ...EVENT_TYPES].map((x) => [x, tv(x)] as const),
  ]);
  const color = colourSel();
  const upper = colourSel();
  const lower = colourSel();
  const form = h(
    'form',
    { className: 'search-form', attrs: { 'aria-label': t('hits') } },
    ...r.els,
    field(t('area'), area),
    field(t('camera'), cam),
    field(t('filterType'), type),
    field(t('color'), color),
    field(t('upperColor'), upper),
    field(t('lowerColor'), lower),
    h('button', { type: 'submit', className: 'primary' }, t('find')),
  );
  form.onsubmit = (ev) => {
    ev.preventDefault();
    const q: Query = {
      from: fromLocalInput(r.from.value),
      to: fromLocalInput(r.to.value),
      camera: cam.value,
      org: area.value,
      type: type.value,
      color: color.value,
      upper: upper.value,
      lower: lower.value,
      limit: 48,
    };
    pagedResults(
      ctx,
      out,
      (cursor) => ctx.api.get('/api/v1/hits', { ...q, cursor }),
      (hit) => routeAction(ctx, hit),
    );
  };
  return form;
}

function routeAction(ctx: Ctx, hit: HitLike): HTMLElement[] {
  const plate = hit.attrs?.plate;
  return plate
    ? [
        h(
          'button',
          { type: 'button', onclick: () => closeThenGo(ctx, `#/route?plate=${encodeURIComponent(plate)}`) },
          t('showRoute'),
        ),
      ]
    : [];
}

function closeThenGo(ctx: Ctx, hash: string): void {
  document.querySelector<HTMLDialogElement>('dialog[open]')?.close();
  ctx.go(hash);
}

interface PlateMatch {
  plate: string;
  distance: number;
  n: number;
  firstMs: number;
  lastMs: number;
  cameras: number;
}

type Sighting = PlateSighting;

/** A vehicle sighting as a card (sightings carry no box). */
function sightingHit(s: Sighting): HitLike {
  const attrs: NonNullable<HitLike['attrs']> = { plate: s.plate, plateScore: s.plateScore };
  if (s.color) attrs.color = s.color as 'white';
  if (s.vehicleType) attrs.vehicleType = s.vehicleType;
  if (s.direction) attrs.direction = s.direction;
  const hit: HitLike = {
    v: 1,
    id: s.id,
    tsMs: s.tsMs,
    gateway: '',
    camera: s.camera,
    kind: 'sighting',
    type: 'vehicle',
    label: s.vehicleType || 'vehicle',
    score: Number.NaN,
    attrs,
  };
  if (s.snapshot) hit.snapshot = s.snapshot;
  return hit;
}

/** The plates that matched, closest first: a fuzzy search ranks OCR-confusable reads. */
function platesTable(plates: PlateMatch[]): HTMLElement {
  return h(
    'table',
    { className: 'table plates' },
    h('caption', { className: 'sr-only' }, t('plate')),
    h(
      'thead',
      null,
      h(
        'tr',
        null,
        ...[t('plate'), t('distance'), t('count'), t('camera'), t('from'), t('to'), ''].map((x) =>
          h('th', { scope: 'col' }, x),
        ),
      ),
    ),
    h(
      'tbody',
      null,
      ...plates.map((p) =>
        h(
          'tr',
          { dataset: { plate: p.plate } },
          h('th', { scope: 'row' }, h('span', { className: 'plate' }, p.plate)),
          h('td', { className: 'num' }, p.distance === 0 ? t('exact') : p.distance.toFixed(1)),
          h('td', { className: 'num' }, fmtCount(p.n)),
          h('td', { className: 'num' }, fmtCount(p.cameras)),
          h('td', null, fmtTime(p.firstMs)),
          h('td', null, fmtTime(p.lastMs)),
          h('td', null, h('a', { href: `#/route?plate=${encodeURIComponent(p.plate)}` }, t('showRoute'))),
        ),
      ),
    ),
  );
}

function vehiclesForm(ctx: Ctx, out: HTMLElement, caseId: () => string): HTMLElement {
  const r = rangeFields(24 * 7);
  // Optional: a colour and/or a type alone finds vehicles whose plate was not read.
  const plate = h('input', {
    type: 'text',
    maxLength: 24,
    autocomplete: 'off',
    spellcheck: false,
    placeholder: '浙A*12?4',
    name: 'plate',
  });
  const mode = select(
    [
      ['exact', t('exact')],
      ['wildcard', t('wildcard')],
      ['fuzzy', t('fuzzy')],
    ],
    'exact',
  );
  plate.oninput = () => {
    if (/[*?]/.test(plate.value)) mode.value = 'wildcard';
  };
  const color = colourSel();
  const vtype = select([
    ['', t('all')],
    ...['car', 'suv', 'van', 'bus', 'truck', 'motorcycle'].map((x) => [x, tv(x)] as const),
  ]);
  const form = h(
    'form',
    { className: 'search-form', attrs: { 'aria-label': t('vehicles') } },
    field(t('plate'), plate, t('plateHint')),
    field(t('match'), mode),
    field(t('color'), color),
    field(t('vehicleType'), vtype),
    ...r.els,
    h('button', { type: 'submit', className: 'primary' }, t('find')),
  );
  form.onsubmit = (ev) => {
    ev.preventDefault();
    const q: Query = {
      ...(plate.value.trim() ? { plate: plate.value.trim(), mode: mode.value } : {}),
      color: color.value,
      type: vtype.value,
      from: fromLocalInput(r.from.value),
      to: fromLocalInput(r.to.value),
      caseId: caseId(),
      limit: 200,
    };
    pagedResults(
      ctx,
      out,
      async () => {
        const a = await ctx.api.get<{ plates: PlateMatch[]; sightings: Sighting[] }>('/api/v1/vehicles', q);
        return {
          hits: a.sightings.map(sightingHit),
          ...(a.plates.length ? { head: platesTable(a.plates) } : {}),
        };
      },
      (hit) => routeAction(ctx, hit),
    );
  };
  return form;
}

interface SimilarRow {
  id: string;
  distance: number;
}

function personsForm(ctx: Ctx, out: HTMLElement, caseId: () => string): HTMLElement {
  const r = rangeFields(24);
  const upper = colourSel();
  const lower = colourSel();
  const area = areaSel(ctx);
  // A photo of the person (a crop, JPEG or PNG): the API compares its clothing-colour descriptor.
  const photo = h('input', { type: 'file', accept: 'image/jpeg,image/png', name: 'photo' });
  const form = h(
    'form',
    { className: 'search-form', attrs: { 'aria-label': t('persons') } },
    field(t('upperColor'), upper),
    field(t('lowerColor'), lower),
    field(t('area'), area),
    ...r.els,
    h('button', { type: 'submit', className: 'primary' }, t('find')),
    field(t('byPhoto'), photo, t('byPhotoHint')),
  );
  const runSimilar = (by: { hitId: string } | { image: string }) => {
    document.querySelector<HTMLDialogElement>('dialog[open]')?.close();
    const body = {
      ...by,
      ...(area.value ? { org: area.value } : {}),
      caseId: caseId(),
      from: fromLocalInput(r.from.value),
      to: fromLocalInput(r.to.value),
      limit: 24,
    };
    pagedResults(
      ctx,
      out,
      async () => {
        // Results are ids and distances, nearest first; the cards need the hits themselves.
        const a = await ctx.api.post<{ results: SimilarRow[] }>('/api/v1/persons/similar', body);
        const hits = await Promise.all(
          a.results.map((x) =>
            ctx.api.get<Hit>(`/api/v1/hits/${encodeURIComponent(x.id)}`).catch(() => null),
          ),
        );
        return { hits: hits.filter((x): x is Hit => x !== null) };
      },
      similar,
    );
  };
  const similar = (hit: HitLike): HTMLElement[] => [
    h('button', { type: 'button', onclick: () => runSimilar({ hitId: hit.id }) }, t('similar')),
  ];
  photo.onchange = async () => {
    const file = photo.files?.[0];
    if (!file) return;
    const bytes = new Uint8Array(await file.arrayBuffer());
    let bin = '';
    for (let k = 0; k < bytes.length; k += 0x8000)
      bin += String.fromCharCode(...bytes.subarray(k, k + 0x8000));
    runSimilar({ image: btoa(bin) });
  };
  form.onsubmit = (ev) => {
    ev.preventDefault();
    const q: Query = {
      upper: upper.value,
      lower: lower.value,
      org: area.value,
      from: fromLocalInput(r.from.value),
      to: fromLocalInput(r.to.value),
      caseId: caseId(),
      limit: 200,
    };
    pagedResults(ctx, out, async () => ctx.api.get<{ hits: Hit[] }>('/api/v1/persons', q), similar);
  };
  return form;
}

export const searchView: View = (root, ctx) => {
  const tab = (TABS as string[]).includes(ctx.params.get('tab') ?? '')
    ? (ctx.params.get('tab') as Tab)
    : 'hits';
  const out = h('div', { className: 'results', attrs: { 'aria-live': 'polite' } });
  fill(out, empty());
  const tabs = h(
    'nav',
    { className: 'tabs', attrs: { 'aria-label': t('search') } },
    ...TABS.map((x) =>
      h(
        'a',
        {
          href: `#/search?tab=${x}`,
          className: 'tab',
          attrs: {
            'aria-current': x === tab ? 'page' : undefined,
          },
        },
        t(x),
      ),
    ),
  );
  let form: HTMLElement;
  let bar: HTMLElement | null = null;
  if (tab === 'hits') form = hitsForm(ctx, out);
  else {
    const cb = caseBar(ctx, tab === 'vehicles' ? 'hit_and_run' : 'missing_person', () => undefined);
    bar = cb.el;
    form = tab === 'vehicles' ? vehiclesForm(ctx, out, cb.value) : personsForm(ctx, out, cb.value);
  }
  fill(root, tabs, bar, form, out);
  return undefined;
};
