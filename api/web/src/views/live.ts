/** Live wall: the newest hits in the jurisdiction as they arrive (SSE), filter by type, pause. */
import type { View } from '../ctx.js';
import { field, fill, h, select } from '../dom.js';
import { t, tv } from '../i18n.js';
import { EVENT_TYPES, type Hit, type HitLike, SIGHTING_TYPES } from '../model.js';
import { empty, hitCard, loading, showHitDialog } from '../ui.js';

const WALL_MAX = 48;

/** The type filter: all, each sighting type, events, each event type (remembered per tab). */
const typeSelect = () =>
  select(
    [
      ['', t('all')],
      ...SIGHTING_TYPES.map((x) => [x, tv(x)] as const),
      ['event', t('events')],
      ...EVENT_TYPES.map((x) => [x, tv(x)] as const),
    ],
    sessionStorage.getItem('xl.liveType') ?? '',
  );

/** A hit's dialog; a plate hit's offers its route. */
const openHit = (ctx: Parameters<View>[1]) => (hit: HitLike) =>
  showHitDialog(
    ctx,
    hit,
    hit.attrs?.plate
      ? [
          h(
            'button',
            {
              type: 'button',
              onclick: () => ctx.go(`#/route?plate=${encodeURIComponent(hit.attrs?.plate ?? '')}`),
            },
            t('showRoute'),
          ),
        ]
      : [],
  );

export const liveView: View = (root, ctx) => {
  const typeSel = typeSelect();
  const pauseBtn = h(
    'button',
    { type: 'button', className: 'toggle', attrs: { 'aria-pressed': 'false' } },
    t('pause'),
  );
  const status = h('span', { className: 'live-status', attrs: { role: 'status', 'aria-live': 'polite' } });
  const pending = h('span', { className: 'pending', attrs: { 'aria-live': 'polite' } });
  const wall = h('div', { className: 'wall', attrs: { 'aria-label': t('live'), role: 'feed' } });
  const hits: Hit[] = [];
  const buffered: Hit[] = [];
  let paused = false;

  const matches = (hit: Hit) => {
    const f = typeSel.value;
    return !f || hit.type === f || (f === 'event' && hit.kind === 'event');
  };
  const open = openHit(ctx);
  let backfilled = false;
  const render = () => {
    const shown = hits.filter(matches);
    if (!shown.length && !backfilled) fill(wall, loading());
    else if (!shown.length)
      fill(wall, empty(`${t('empty')} ${ctx.bus.status === 'connecting' ? t('connecting') : ''}`));
    else fill(wall, ...shown.map((x) => hitCard(ctx, x, open)));
  };
  const add = (hit: Hit) => {
    if (hits.some((x) => x.id === hit.id)) return;
    hits.unshift(hit);
    hits.sort((a, b) => b.tsMs - a.tsMs);
    if (hits.length > WALL_MAX) hits.length = WALL_MAX;
    if (!matches(hit)) return;
    const empt = wall.querySelector('.state');
    if (empt) empt.remove();
    const idx = hits.filter(matches).indexOf(hit);
    if (idx < 0) return;
    const card = hitCard(ctx, hit, open);
    const before = wall.children[idx];
    wall.insertBefore(card, before ?? null);
    while (wall.children.length > WALL_MAX) wall.lastElementChild?.remove();
  };
  const showPending = () =>
    fill(pending, paused && buffered.length ? `${buffered.length} ${t('newWhilePaused')}` : '');

  typeSel.onchange = () => {
    sessionStorage.setItem('xl.liveType', typeSel.value);
    render();
  };
  pauseBtn.onclick = () => {
    paused = !paused;
    pauseBtn.setAttribute('aria-pressed', String(paused));
    fill(pauseBtn, paused ? t('resume') : t('pause'));
    if (!paused) {
      for (const x of buffered.splice(0).reverse()) add(x);
    }
    showPending();
  };

  const offHit = ctx.bus.onHit((hit) => {
    if (paused) {
      buffered.unshift(hit);
      if (buffered.length > WALL_MAX) buffered.length = WALL_MAX;
      showPending();
    } else add(hit);
  });
  // Backfill: the last hour's newest hits, so the wall is not blank until the next one, and
  // again after a reconnect, for what arrived while the stream was down.
  const backfill = () => {
    const now = Date.now();
    ctx.api
      .get<{ hits: Hit[] }>('/api/v1/hits', { from: now - 3_600_000, to: now + 60_000, limit: 24 })
      .then((r) => {
        for (const x of [...r.hits].reverse()) add(x);
      })
      .catch(() => undefined)
      .finally(() => {
        backfilled = true;
        if (!hits.some(matches)) render();
      });
  };
  let wasDown = false;
  const offStatus = ctx.bus.onStatus((s) => {
    fill(status, h('span', { className: `dot dot-${s}`, attrs: { 'aria-hidden': 'true' } }), t(s));
    root.dataset.live = s;
    if (s === 'disconnected') wasDown = true;
    else if (s === 'connected' && wasDown) {
      wasDown = false;
      backfill();
    }
    if (!hits.length) render();
  });

  fill(
    root,
    h('div', { className: 'toolbar' }, field(t('filterType'), typeSel), pauseBtn, pending, status),
    wall,
  );
  // What this tab already saw (another view, a language switch) shows at once.
  for (const x of ctx.bus.recent) hits.push(x);
  render();
  backfill();
  return () => {
    offHit();
    offStatus();
  };
};
