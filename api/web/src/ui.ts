/** Shared pieces: loading, empty and error states; hit cards and their details dialog; the case bar. */
import { ApiError } from './api.js';
import { type Ctx, cameraName } from './ctx.js';
import { field, fill, h, select } from './dom.js';
import { fmtTime } from './format.js';
import { t, tv } from './i18n.js';
import { type Case, type Hit, type HitLike, listOf, SWATCH } from './model.js';
import { frameCanvas, hitCanvas } from './snapshot.js';

export function loading(): HTMLElement {
  return h(
    'div',
    { className: 'state loading', attrs: { role: 'status' } },
    h('span', { className: 'spinner', attrs: { 'aria-hidden': 'true' } }),
    t('loading'),
  );
}

export function empty(msg = t('empty')): HTMLElement {
  return h('div', { className: 'state empty', attrs: { role: 'status' } }, msg);
}

export function errorText(e: unknown): string {
  if (e instanceof ApiError) {
    if (e.missing) return `${t('notAvailable')} (${e.message})`;
    if (e.status === 403) return `${t('forbidden')} ${e.code}: ${e.message}`;
    return `${e.code}: ${e.message}`;
  }
  return e instanceof Error ? e.message : String(e);
}

export function errorBox(e: unknown, retry?: () => void): HTMLElement {
  return h(
    'div',
    { className: 'state error', attrs: { role: 'alert' } },
    h('strong', null, `${t('error')}: `),
    errorText(e),
    retry ? h('button', { type: 'button', className: 'link', onclick: retry }, t('retry')) : null,
  );
}

/** Runs `load` and renders loading → result | empty | error into `el`. */
export async function withStates<T>(
  el: HTMLElement,
  load: () => Promise<T>,
  render: (v: T) => Node | null,
): Promise<T | undefined> {
  fill(el, loading());
  el.setAttribute('aria-busy', 'true');
  try {
    const v = await load();
    const node = render(v);
    fill(el, node ?? empty());
    return v;
  } catch (e) {
    fill(
      el,
      errorBox(e, () => void withStates(el, load, render)),
    );
    return undefined;
  } finally {
    el.removeAttribute('aria-busy');
  }
}

function swatch(c: string): HTMLElement {
  return h('span', {
    className: 'swatch',
    style: { background: SWATCH[c] ?? 'transparent' },
    attrs: { 'aria-hidden': 'true' },
  });
}

/** The attributes of a hit as a definition list. */
export function attrList(hit: HitLike): HTMLElement {
  const a = hit.attrs ?? {};
  const rows: [string, Node | string][] = [];
  if (a.plate) {
    const conf = a.plateScore === undefined ? '' : ` ${a.plateScore.toFixed(2)}`;
    rows.push([
      t('plate'),
      h('span', null, h('span', { className: 'plate' }, a.plate), h('small', { className: 'hint' }, conf)),
    ]);
  }
  if (a.color) rows.push([t('color'), h('span', null, swatch(a.color), tv(a.color))]);
  if (a.upperColor) rows.push([t('upperColor'), h('span', null, swatch(a.upperColor), tv(a.upperColor))]);
  if (a.lowerColor) rows.push([t('lowerColor'), h('span', null, swatch(a.lowerColor), tv(a.lowerColor))]);
  if (a.vehicleType) rows.push([t('vehicleType'), tv(a.vehicleType)]);
  if (a.direction) rows.push([t('direction'), tv(a.direction)]);
  if (hit.zone) rows.push(['zone', hit.zone]);
  return h('dl', { className: 'attrs' }, ...rows.flatMap(([k, v]) => [h('dt', null, k), h('dd', null, v)]));
}

/**
 * A warning on every snapshot of a camera whose gateway reports `blurFaces: false` (the
 * camera's status, contracts/status.ts; docs/privacy.md): its faces were not blurred.
 */
export function unblurredMark(ctx: Ctx, hit: HitLike): HTMLElement | null {
  const cam = ctx.camById.get(hit.camera) as { status?: { blurFaces?: boolean } } | undefined;
  if (!hit.snapshot || cam?.status?.blurFaces !== false) return null;
  return h('div', { className: 'tag tag-unblurred', attrs: { role: 'note' } }, t('facesNotBlurred'));
}

/** A fixed-size card: snapshot with box, type, camera, time, attributes. */
export function hitCard(ctx: Ctx, hit: HitLike, onOpen?: (hit: HitLike) => void): HTMLElement {
  const title = `${tv(hit.type)} · ${cameraName(ctx, hit.camera)} · ${fmtTime(hit.tsMs)}`;
  const card = h(
    'article',
    { className: `card t-${hit.kind}`, dataset: { hit: hit.id, type: hit.type, camera: hit.camera } },
    hitCanvas(ctx.api, hit, 224, 168, title),
    unblurredMark(ctx, hit),
    h(
      'div',
      { className: 'card-body' },
      h(
        'div',
        { className: 'card-head' },
        h('span', { className: `tag tag-${hit.type}` }, tv(hit.type)),
        h('time', { dateTime: new Date(hit.tsMs).toISOString() }, fmtTime(hit.tsMs)),
      ),
      h('div', { className: 'card-cam', title: hit.camera }, cameraName(ctx, hit.camera)),
      attrList(hit),
    ),
  );
  if (onOpen) {
    const btn = h('button', {
      type: 'button',
      className: 'card-open',
      attrs: { 'aria-label': `${t('details')}: ${title}` },
    });
    btn.onclick = () => onOpen(hit);
    card.appendChild(btn);
  }
  return card;
}

/** A modal with the large snapshot and every field; `extra` adds actions (route, similar). */
export function showHitDialog(ctx: Ctx, hit: HitLike, extra: HTMLElement[] = []): void {
  const canvas = hitCanvas(ctx.api, hit, 480, 360, `${tv(hit.type)} ${hit.camera}`);
  // Some answers (vehicle sightings) carry no box: the full hit has it.
  if (!hit.box) {
    void ctx.api
      .get<Hit>(`/api/v1/hits/${encodeURIComponent(hit.id)}`)
      .then((full) =>
        canvas.replaceWith(hitCanvas(ctx.api, full, 480, 360, `${tv(full.type)} ${full.camera}`)),
      )
      .catch(() => undefined);
  }
  // An event's whole frame (box and zone drawn) beside the crop: which van, which crowd, where.
  const frame = hit.frame
    ? frameCanvas(ctx.api, hit.frame, 480, 270, `${t('frame')}: ${tv(hit.type)} ${hit.camera}`)
    : null;
  const dlg = h(
    'dialog',
    { className: 'details', attrs: { 'aria-label': t('details') } },
    h('h2', null, `${tv(hit.type)} · ${fmtTime(hit.tsMs)}`),
    frame ? h('div', { className: 'evidence' }, frame, canvas) : canvas,
    unblurredMark(ctx, hit),
    h(
      'dl',
      { className: 'attrs' },
      h('dt', null, t('camera')),
      h('dd', null, cameraName(ctx, hit.camera)),
      h('dt', null, t('score')),
      h('dd', null, Number.isFinite(hit.score) ? hit.score.toFixed(2) : '—'),
      h('dt', null, 'id'),
      h('dd', { className: 'mono' }, hit.id),
    ),
    attrList(hit),
    h(
      'div',
      { className: 'actions' },
      ...extra,
      h('button', { type: 'button', onclick: () => dlg.close() }, t('close')),
    ),
  );
  dlg.addEventListener('close', () => dlg.remove());
  document.body.appendChild(dlg);
  dlg.showModal();
}

/**
 * The case chooser that plate, route and person searches need (docs/architecture.md#api: an open case in
 * the caller's jurisdiction). Lists open cases and can open a new one in place.
 */
export function caseBar(
  ctx: Ctx,
  kind: 'hit_and_run' | 'missing_person' | 'other',
  onChange: (caseId: string) => void,
): { el: HTMLElement; value: () => string } {
  const sel = select([['', t('chooseCase')]]);
  sel.required = true;
  const titleIn = h('input', { type: 'text', maxLength: 120, placeholder: t('caseTitle') });
  const status = h('span', { className: 'case-status', attrs: { 'aria-live': 'polite' } });
  const remembered = sessionStorage.getItem('xl.case') ?? '';
  const load = async () => {
    try {
      const cases = listOf<Case>(await ctx.api.get('/api/v1/cases', { status: 'open' }), 'cases', 'items');
      const open = cases.filter((c) => (c.status ?? 'open') === 'open');
      fill(
        sel,
        h('option', { value: '' }, t('chooseCase')),
        ...open.map((c) => h('option', { value: c.id }, `${c.title ?? c.id} (${c.id})`)),
      );
      if (open.some((c) => c.id === remembered)) sel.value = remembered;
      fill(status, '');
      onChange(sel.value);
    } catch (e) {
      fill(status, errorText(e));
    }
  };
  sel.onchange = () => {
    sessionStorage.setItem('xl.case', sel.value);
    onChange(sel.value);
  };
  const form = h(
    'form',
    { className: 'case-new' },
    field(t('newCase'), titleIn),
    h('button', { type: 'submit' }, t('openCase')),
  );
  form.onsubmit = async (ev) => {
    ev.preventDefault();
    const title = titleIn.value.trim();
    if (!title) {
      titleIn.focus();
      return;
    }
    try {
      const c = await ctx.api.post<Case>('/api/v1/cases', { title, kind });
      sessionStorage.setItem('xl.case', c.id);
      titleIn.value = '';
      await load();
      sel.value = c.id;
      onChange(c.id);
      ctx.announce(`${t('case')} ${c.id}`);
    } catch (e) {
      fill(status, errorText(e));
    }
  };
  void load();
  const el = h(
    'section',
    { className: 'case-bar', attrs: { 'aria-label': t('case') } },
    h('p', { className: 'hint' }, t('caseRequired')),
    h('div', { className: 'row' }, field(t('case'), sel), form),
    status,
  );
  return { el, value: () => sel.value };
}
