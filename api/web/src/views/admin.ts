/**
 * Cases and audit (admin): open and close cases, read the audit log, and see what ingest
 * set aside — quarantined messages and dead-lettered jobs. Rows are shown with the
 * columns the API returns, so a new field appears without a dashboard change.
 */
import type { Query } from '../api.js';
import type { Ctx, View } from '../ctx.js';
import { field, fill, h, select } from '../dom.js';
import { fmtTime } from '../format.js';
import { getLang, t, tv } from '../i18n.js';
import { type Case, listOf } from '../model.js';
import { errorBox, withStates } from '../ui.js';

const CASE_KINDS = ['hit_and_run', 'missing_person', 'theft', 'other'] as const;

type Tab = 'cases' | 'audit' | 'quarantine' | 'deadLetters';
const TABS: Tab[] = ['cases', 'audit', 'quarantine', 'deadLetters'];
const MAX_COLS = 9;

/** Column names of the admin tables in Chinese (English shows the API's own field names). */
const COLUMN_ZH: Record<string, string> = {
  id: '编号',
  org: '辖区',
  title: '名称',
  kind: '类别',
  status: '状态',
  createdBy: '创建人',
  createdMs: '创建时间',
  closedBy: '结案人',
  closedMs: '结案时间',
  tsMs: '时间',
  keyId: '操作人',
  role: '角色',
  method: '方法',
  endpoint: '接口',
  caseId: '案件',
  resultCount: '结果数',
  filters: '条件',
  gateway: '网关',
  topic: '主题',
  reason: '原因',
  detail: '详情',
  rawBytes: '字节数',
  raw: '原始内容',
  jobId: '任务',
  failedReason: '失败原因',
  attemptsMade: '尝试次数',
  hits: '记录',
  snapshots: '快照',
  quarantine: '隔离',
  firstMs: '首次',
  finishedOn: '结束时间',
  chain: '链',
  seq: '序号',
};

const CASE_STATUS_ZH: Record<string, string> = { open: '未结', closed: '已结案' };

function columnLabel(key: string): string {
  return getLang() === 'zh' ? (COLUMN_ZH[key] ?? key) : key;
}

function cellText(key: string, v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number' && /Ms$|^ts$|time|finishedOn/i.test(key))
    return v > 946684800000 ? fmtTime(v) : '';
  if (typeof v === 'string' && key === 'status' && getLang() === 'zh') return CASE_STATUS_ZH[v] ?? v;
  if (typeof v === 'string' && key === 'kind') return tv(v);
  if (typeof v === 'object') return JSON.stringify(v);
  const s = String(v);
  return s.length > 160 ? `${s.slice(0, 157)}…` : s;
}

/** A table of arbitrary rows; `extra` adds a cell per row (actions). */
export function rowsTable(
  rows: Record<string, unknown>[],
  extra?: (r: Record<string, unknown>) => Node | null,
  preferred: readonly string[] = [],
): HTMLElement | null {
  if (!rows.length) return null;
  // The preferred columns first (those present), then whatever else fits.
  const cols: string[] = preferred.filter((k) => rows.some((r) => k in r));
  for (const r of rows.slice(0, 50))
    for (const k of Object.keys(r)) if (!cols.includes(k) && cols.length < MAX_COLS) cols.push(k);
  return h(
    'div',
    { className: 'table-wrap', attrs: { tabindex: 0, role: 'region', 'aria-label': 'table' } },
    h(
      'table',
      { className: 'table' },
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          ...cols.map((c) => h('th', { scope: 'col', title: c }, columnLabel(c))),
          extra ? h('th', { scope: 'col' }, '') : null,
        ),
      ),
      h(
        'tbody',
        null,
        ...rows.map((r) =>
          h(
            'tr',
            null,
            ...cols.map((c) => h('td', { title: cellText(c, r[c]) }, cellText(c, r[c]))),
            extra ? h('td', null, extra(r)) : null,
          ),
        ),
      ),
    ),
  );
}

function casesPanel(ctx: Ctx, el: HTMLElement): void {
  const list = h('div');
  const msg = h('div', { attrs: { role: 'status', 'aria-live': 'polite' } });
  const title = h('input', { type: 'text', required: true, maxLength: 200 });
  const kind = select(
    CASE_KINDS.map((k) => [k, tv(k)] as const),
    'hit_and_run',
  );
  const load = () =>
    withStates(
      list,
      async () => listOf<Case>(await ctx.api.get('/api/v1/cases', { limit: 200 }), 'cases', 'items'),
      (cases) =>
        rowsTable(cases as unknown as Record<string, unknown>[], (r) => {
          if (String(r.status ?? 'open') !== 'open') return null;
          return h(
            'button',
            {
              type: 'button',
              onclick: async () => {
                try {
                  await ctx.api.post(`/api/v1/cases/${encodeURIComponent(String(r.id))}/close`, {});
                  void load();
                } catch (e) {
                  fill(msg, errorBox(e));
                }
              },
            },
            t('closeCase'),
          );
        }),
    );
  const form = h(
    'form',
    { className: 'search-form' },
    field(t('caseTitle'), title),
    field(t('kind'), kind),
    h('button', { type: 'submit', className: 'primary' }, t('openCase')),
  );
  form.onsubmit = async (ev) => {
    ev.preventDefault();
    try {
      await ctx.api.post('/api/v1/cases', { title: title.value.trim(), kind: kind.value });
      title.value = '';
      void load();
    } catch (e) {
      fill(msg, errorBox(e));
    }
  };
  fill(el, form, msg, list);
  void load();
}

function listPanel(
  ctx: Ctx,
  el: HTMLElement,
  path: string,
  keys: string[],
  query: Query = { limit: 200 },
  preferred: readonly string[] = [],
): void {
  void withStates(
    el,
    async () => listOf<Record<string, unknown>>(await ctx.api.get(path, query), ...keys),
    (rows) => rowsTable(rows, undefined, preferred),
  );
}

export const adminView: View = (root, ctx) => {
  const tab = (TABS as string[]).includes(ctx.params.get('tab') ?? '')
    ? (ctx.params.get('tab') as Tab)
    : 'cases';
  const body = h('div', { className: 'admin-body' });
  fill(
    root,
    h(
      'nav',
      { className: 'tabs', attrs: { 'aria-label': t('admin') } },
      ...TABS.map((x) =>
        h(
          'a',
          {
            href: `#/admin?tab=${x}`,
            className: 'tab',
            attrs: {
              'aria-current': x === tab ? 'page' : undefined,
            },
          },
          t(x),
        ),
      ),
    ),
    body,
  );
  if (tab === 'cases') casesPanel(ctx, body);
  else if (tab === 'audit')
    listPanel(
      ctx,
      body,
      '/api/v1/audit',
      ['rows', 'entries'],
      {
        from: Date.now() - 86_400_000,
        to: Date.now() + 60_000,
        limit: 200,
      },
      ['tsMs', 'keyId', 'role', 'org', 'endpoint', 'caseId', 'resultCount', 'status', 'filters'],
    );
  else if (tab === 'quarantine')
    listPanel(
      ctx,
      body,
      '/api/v1/quarantine',
      ['items'],
      { from: Date.now() - 86_400_000, to: Date.now() + 60_000, limit: 200 },
      ['tsMs', 'gateway', 'topic', 'reason', 'detail', 'rawBytes', 'raw'],
    );
  else
    listPanel(ctx, body, '/api/v1/deadletters', ['items'], { limit: 200 }, [
      'jobId',
      'failedReason',
      'attemptsMade',
      'hits',
      'snapshots',
      'quarantine',
      'firstMs',
      'finishedOn',
    ]);
  return undefined;
};
