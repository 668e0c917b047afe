/**
 * The dashboard shell: sign-in, header with navigation and language switch, a hash router
 * (`#/live`, `#/search?tab=vehicles`, `#/route?plate=…`) and one live connection per tab.
 */
import './style.css';
import { Api, ApiError } from './api.js';
import { LiveBus } from './bus.js';
import type { Ctx, View } from './ctx.js';
import { field, fill, h, select } from './dom.js';
import { getLang, type Key, type Lang, setLang, t } from './i18n.js';
import {
  type Camera,
  indexOrgs,
  listOf,
  type OrgNode,
  type OrgRow,
  orgTree,
  type Principal,
} from './model.js';
import { errorText } from './ui.js';
import { adminView } from './views/admin.js';
import { liveView } from './views/live.js';
import { routeView } from './views/route.js';
import { searchView } from './views/search.js';
import { sensorsView } from './views/sensors.js';
import { statsView } from './views/stats.js';
import { tasksView } from './views/tasks.js';

const VIEWS: Record<string, { label: Key; view: View; roles?: string[] }> = {
  live: { label: 'live', view: liveView },
  search: { label: 'search', view: searchView },
  route: { label: 'route', view: routeView },
  stats: { label: 'stats', view: statsView },
  sensors: { label: 'sensors', view: sensorsView },
  tasks: { label: 'tasks', view: tasksView },
  admin: { label: 'admin', view: adminView, roles: ['admin'] },
};

const api = new Api();
const app = document.getElementById('app')!;
const announcer = h('div', { className: 'sr-only', attrs: { 'aria-live': 'polite', role: 'status' } });
document.body.appendChild(announcer);
setLang(getLang());

let ctx: Ctx | null = null;

/** `xl:first-view`: when the first view (sign-in or a view) is on screen; the budget test reads it. */
function markFirstView(): void {
  // The next animation frame is the one that paints it.
  requestAnimationFrame(() => {
    if (!performance.getEntriesByName('xl:first-view').length) performance.mark('xl:first-view');
  });
}
let cleanup: (() => void) | undefined;

function announce(msg: string): void {
  announcer.textContent = '';
  setTimeout(() => {
    announcer.textContent = msg;
  }, 30);
}

/** Who the key belongs to: `GET /api/v1/me` when the server has it. */
async function whoAmI(): Promise<Principal> {
  try {
    const me = await api.get<Principal | { principal: Principal }>('/api/v1/me');
    return 'principal' in me ? me.principal : me;
  } catch (e) {
    if (!(e instanceof ApiError) || !e.missing) throw e;
  }
  // No /me yet: any authenticated call tells a good key from a bad one.
  const now = Date.now();
  await api.get('/api/v1/hits', { from: now - 1000, to: now, limit: 1 });
  return {};
}

async function optionalList<T>(path: string, ...keys: string[]): Promise<T[]> {
  try {
    return listOf<T>(await api.get(path), ...keys);
  } catch (e) {
    if (e instanceof ApiError && (e.missing || e.status === 403)) return [];
    throw e;
  }
}

async function startSession(): Promise<void> {
  const principal = await whoAmI();
  const [cameras, orgRows] = await Promise.all([
    optionalList<Camera>('/api/v1/cameras', 'cameras', 'items'),
    optionalList<OrgRow | OrgNode>('/api/v1/orgs', 'orgs', 'tree', 'items'),
  ]);
  const orgs = orgTree(orgRows);
  // Without /me, the top of the org list the API returns is the principal's own org.
  if (!principal.org && orgs.length === 1) principal.org = orgs[0]!.id;
  const bus = new LiveBus(api);
  bus.start();
  ctx = {
    api,
    bus,
    principal,
    cameras,
    camById: new Map(cameras.map((c) => [c.id, c])),
    orgs,
    orgIndex: indexOrgs(orgs),
    params: new URLSearchParams(),
    go: (hash) => {
      location.hash = hash;
    },
    announce,
  };
}

function signOut(): void {
  ctx?.bus.stop();
  ctx = null;
  api.setKey(null);
  cleanup?.();
  cleanup = undefined;
  renderSignIn();
}

function langSwitch(): HTMLElement {
  const sel = select(
    [
      ['zh', '中文'],
      ['en', 'English'],
    ],
    getLang(),
  );
  sel.onchange = () => {
    setLang(sel.value as Lang);
    if (ctx) route();
    else renderSignIn();
  };
  return h('div', { className: 'lang' }, field(t('language'), sel));
}

function renderSignIn(message?: string): void {
  document.title = `${t('appName')} · ${t('signIn')}`;
  const key = h('input', {
    type: 'password',
    required: true,
    autocomplete: 'current-password',
    minLength: 8,
    maxLength: 512,
    name: 'key',
  });
  const err = h('p', { className: 'error-text', attrs: { role: 'alert' } }, message ?? '');
  const btn = h('button', { type: 'submit', className: 'primary' }, t('signIn'));
  const form = h(
    'form',
    { className: 'signin', attrs: { 'aria-labelledby': 'signin-title' } },
    h('h1', { id: 'signin-title' }, h('span', { className: 'logo' }, '雪亮'), ' Xueliang'),
    h('p', { className: 'hint' }, t('appSub')),
    field(t('apiKey'), key, t('apiKeyHint')),
    err,
    btn,
    langSwitch(),
  );
  form.onsubmit = async (ev) => {
    ev.preventDefault();
    btn.disabled = true;
    api.setKey(key.value.trim());
    try {
      await startSession();
      if (!location.hash || location.hash === '#/' || location.hash === '#') location.hash = '#/live';
      route();
    } catch (e) {
      api.setKey(null);
      fill(err, e instanceof ApiError && e.status === 401 ? t('badKey') : errorText(e));
      btn.disabled = false;
      key.focus();
    }
  };
  fill(app, h('main', { className: 'signin-page', id: 'main' }, form));
  key.focus();
  markFirstView();
}

function header(active: string): HTMLElement {
  const p = ctx!.principal;
  const allowed = Object.entries(VIEWS).filter(([, v]) => !v.roles || !p.role || v.roles.includes(p.role));
  return h(
    'header',
    { className: 'top' },
    h(
      'a',
      {
        className: 'skip',
        href: '#main',
        onclick: (e: Event) => {
          e.preventDefault();
          document.getElementById('main')?.focus();
        },
      },
      'Skip to content',
    ),
    h(
      'div',
      { className: 'brand' },
      h('span', { className: 'logo' }, '雪亮'),
      h('span', { className: 'brand-sub' }, t('appSub')),
    ),
    h(
      'nav',
      { attrs: { 'aria-label': 'main' } },
      h(
        'ul',
        null,
        ...allowed.map(([id, v]) =>
          h(
            'li',
            null,
            h(
              'a',
              { href: `#/${id}`, attrs: { 'aria-current': id === active ? 'page' : undefined } },
              t(v.label),
            ),
          ),
        ),
      ),
    ),
    h(
      'div',
      { className: 'who' },
      p.role
        ? h(
            'span',
            { className: 'badge', title: `${t('role')} / ${t('org')}` },
            `${p.role} · ${ctx!.orgIndex.get(p.org ?? '')?.node.name ?? p.org ?? ''}`,
          )
        : null,
      langSwitch(),
      h('button', { type: 'button', onclick: signOut }, t('signOut')),
    ),
  );
}

function route(): void {
  if (!ctx) {
    renderSignIn();
    return;
  }
  const [path = '', query = ''] = location.hash.replace(/^#\/?/, '').split('?', 2);
  const id = path in VIEWS ? path : 'live';
  const def = VIEWS[id]!;
  ctx.params = new URLSearchParams(query);
  // Back (or any navigation) leaves the view: its dialogs go with it.
  for (const d of document.querySelectorAll<HTMLDialogElement>('dialog[open]')) d.close();
  cleanup?.();
  const main = h('main', { id: 'main', className: `view view-${id}`, tabIndex: -1 });
  fill(app, header(id), h('h1', { className: 'sr-only' }, t(def.label)), main);
  document.title = `${t(def.label)} · ${t('appName')}`;
  // On a phone the navigation scrolls sideways: keep the current view's link in sight.
  app
    .querySelector('header nav a[aria-current="page"]')
    ?.scrollIntoView({ block: 'nearest', inline: 'nearest' });
  cleanup = def.view(main, ctx) ?? undefined;
  markFirstView();
}

window.addEventListener('hashchange', route);

if (api.key) {
  startSession().then(route, (e: unknown) => {
    api.setKey(null);
    renderSignIn(e instanceof ApiError && e.status === 401 ? t('badKey') : errorText(e));
  });
} else renderSignIn();
