/**
 * Grid tasks and case watches (docs/alerts.md): `GET /tasks` (the caller's jurisdiction: a grid
 * member sees their grid, an org admin the subtree), `GET /tasks/:id` with its history,
 * `POST /tasks/:id/accept|resolve|escalate` with a note, case watches (`/watches`), and the
 * webhook dead letters. Roles and auditing are declared per route (api/route-rules.ts); task
 * errors answer through the one status table (api/errors.ts).
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type as T } from '@sinclair/typebox';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { ulid } from 'ulid';
import { defaultMode } from '../../analytics/alerts/plates.js';
import type { Watch } from '../../analytics/alerts/watches.js';
import { getCase } from '../../analytics/cases.js';
import { DISPOSITIONS, TASK_STATUSES, type Task } from '../../analytics/tasks/model.js';
import type { TasksApi } from '../../analytics/tasks/service.js';
import { COLOURS } from '../../contracts/hit.js';
import { type Principal, who } from '../auth.js';
import type { ApiContext } from '../context.js';
import { apiError, ErrorBody } from '../errors.js';
import { auditResult } from '../route-rules.js';
import { Id } from '../schemas.js';

/** What the task and stream routes need: the request context with the alert engine's API. */
export interface TasksRouteOptions {
  ctx: ApiContext & { alerts: TasksApi };
}

export const TasksQuery = T.Object(
  {
    status: T.Optional(
      T.String({
        maxLength: 200,
        pattern: '^[a-z_,]*$',
        description: `Comma-separated statuses (${TASK_STATUSES.join(', ')}); default any`,
      }),
    ),
    org: T.Optional(Id('Only tasks whose grid lies under this org (must be in your jurisdiction)')),
    grid: T.Optional(Id('Only tasks of this grid')),
    since: T.Optional(
      T.Integer({
        minimum: 0,
        description: 'Only tasks changed at or after this time, epoch ms (what a reconnecting client missed)',
      }),
    ),
    limit: T.Optional(T.Integer({ minimum: 1, maximum: 1000, default: 100, description: 'Page size' })),
  },
  { additionalProperties: false },
);

export const ActionBody = T.Object(
  {
    note: T.String({ maxLength: 2000, default: '', description: 'What was done or why' }),
    disposition: T.Optional(
      T.Union(
        DISPOSITIONS.map((d) => T.Literal(d)),
        { description: 'resolve only: resolved, false_positive or duplicate' },
      ),
    ),
  },
  { additionalProperties: false },
);

const Colour = T.Union(COLOURS.map((c) => T.Literal(c)));
export const WatchBody = T.Object(
  {
    caseId: Id('The open case this watch belongs to'),
    kind: T.Union([T.Literal('plate'), T.Literal('clothing')], {
      description: 'plate (hit-and-run) or clothing (missing person)',
    }),
    pattern: T.Optional(
      T.String({ minLength: 2, maxLength: 24, description: 'plate: exact, wildcard (`浙H*12?4`) or fuzzy' }),
    ),
    mode: T.Optional(
      T.Union([T.Literal('exact'), T.Literal('wildcard'), T.Literal('fuzzy')], {
        description: 'plate: default wildcard if the pattern has * or ?, else fuzzy',
      }),
    ),
    upper: T.Optional(Colour),
    lower: T.Optional(Colour),
    area: T.Optional(
      Id('Org whose subtree the sighting must be in (default: anywhere in your jurisdiction)'),
    ),
    fromMs: T.Optional(T.Integer({ minimum: 0, description: 'Window start, epoch ms' })),
    toMs: T.Optional(T.Integer({ minimum: 0, description: 'Window end, epoch ms' })),
  },
  { additionalProperties: false },
);

const TaskJson = T.Unsafe<Task>({
  type: 'object',
  additionalProperties: true,
  description: 'A task (analytics/tasks/model.ts)',
});
const Params = T.Object({ id: Id('Task id') });
const Action = T.Object({
  id: Id('Task id'),
  action: T.Union([T.Literal('accept'), T.Literal('resolve'), T.Literal('escalate')]),
});

/** A task is the caller's when its grid lies in the caller's subtree, or it was raised for a case of theirs. */
export function taskVisible(ctx: Pick<ApiContext, 'orgs'>, t: Task, p: Principal): boolean {
  if (t.orgPath.includes(p.org)) return true;
  return t.source.kind === 'watch' && ctx.orgs.within(t.source.caseOrg, p.org);
}

const noTask = () => apiError('API_NOT_FOUND', 'no such task in your jurisdiction');
const MANAGERS = ['admin', 'analyst'] as const;

/** A watch as the caller asked for it, checked against the case and the caller's jurisdiction. */
function watchOf(
  ctx: ApiContext,
  p: Principal,
  b: typeof WatchBody.static,
  c: { org: string },
): Watch {
  if (b.area && (!ctx.orgs.orgs.has(b.area) || !ctx.orgs.within(b.area, p.org)))
    throw apiError('API_FORBIDDEN', `area '${b.area}' is outside your jurisdiction`);
  if (b.fromMs !== undefined && b.toMs !== undefined && b.toMs < b.fromMs)
    throw apiError('API_BAD_REQUEST', 'toMs is before fromMs');
  const base = {
    id: ulid(),
    caseId: b.caseId,
    caseOrg: c.org,
    area: b.area ?? (p.org === c.org ? null : p.org),
    fromMs: b.fromMs ?? null,
    toMs: b.toMs ?? null,
  };
  if (b.kind === 'plate') {
    if (!b.pattern) throw apiError('API_BAD_REQUEST', 'a plate watch needs a pattern');
    return { ...base, kind: 'plate', pattern: b.pattern, mode: b.mode ?? defaultMode(b.pattern) };
  }
  if (!b.upper && !b.lower) throw apiError('API_BAD_REQUEST', 'a clothing watch needs upper or lower');
  return { ...base, kind: 'clothing', upper: b.upper ?? null, lower: b.lower ?? null };
}

/** The org a task list is limited to: the caller's, or a requested one inside it. */
function listOrg(ctx: ApiContext, p: Principal, org: string | undefined): string {
  if (!org) return p.org;
  if (!ctx.orgs.orgs.has(org)) throw apiError('API_NOT_FOUND', `no org '${org}'`);
  if (!ctx.orgs.within(org, p.org)) throw apiError('API_FORBIDDEN', `org '${org}' is outside your jurisdiction`);
  return org;
}

const actionName = (req: FastifyRequest) => `POST /tasks/:id/${(req.params as { action?: string }).action ?? ''}`;

export const tasksRoutes: FastifyPluginAsync<TasksRouteOptions> = async (app0, { ctx }) => {
  const app = app0.withTypeProvider<TypeBoxTypeProvider>();
  const { alerts } = ctx;

  app.get(
    '/tasks',
    {
      config: { audit: {} },
      schema: {
        summary: 'Tasks in your jurisdiction, most recently changed first',
        querystring: TasksQuery,
        response: { 200: T.Object({ tasks: T.Array(TaskJson) }), 400: ErrorBody },
      },
    },
    async (req) => {
      const { principal: p } = who(req);
      const q = req.query;
      const org = listOrg(ctx, p, q.org);
      const statuses = (q.status ?? '').split(',').filter(Boolean);
      const unknown = statuses.filter((s) => !(TASK_STATUSES as readonly string[]).includes(s));
      if (unknown.length) throw apiError('API_BAD_REQUEST', `unknown status ${unknown.join(', ')}`);
      const tasks = await alerts.list({
        org,
        statuses,
        limit: q.limit ?? 100,
        ...(q.grid ? { grid: q.grid } : {}),
        ...(q.since !== undefined ? { sinceMs: q.since } : {}),
      });
      auditResult(req, { resultCount: tasks.length });
      return { tasks };
    },
  );

  app.get(
    '/tasks/:id',
    {
      config: { audit: {} },
      schema: {
        summary: 'One task and its events',
        params: Params,
        response: { 200: T.Object({ task: TaskJson, events: T.Array(T.Unknown()) }), 404: ErrorBody },
      },
    },
    async (req) => {
      const { principal: p } = who(req);
      const { id } = req.params;
      const task = await alerts.get(id);
      if (!task || !taskVisible(ctx, task, p)) throw noTask();
      const events = await alerts.history(id);
      auditResult(req, { resultCount: 1 });
      return { task, events };
    },
  );

  app.post(
    '/tasks/:id/:action',
    {
      config: { audit: { action: actionName }, roles: ['admin', 'analyst', 'grid_member'] },
      schema: {
        summary: 'Accept, resolve or escalate a task, with a note',
        params: Action,
        body: ActionBody,
        response: {
          200: T.Object({ task: TaskJson }),
          400: ErrorBody,
          403: ErrorBody,
          404: ErrorBody,
          409: ErrorBody,
        },
      },
    },
    async (req) => {
      const { principal: p } = who(req);
      const { id, action } = req.params;
      const body = req.body;
      if (body.disposition && action !== 'resolve')
        throw apiError('API_BAD_REQUEST', 'disposition goes with resolve only');
      const before = await alerts.get(id);
      if (!before || !taskVisible(ctx, before, p)) throw noTask();
      const task = await alerts.act(id, action, {
        by: p.keyId,
        note: body.note,
        ...(body.disposition ? { disposition: body.disposition } : {}),
      });
      auditResult(req, { resultCount: 1 });
      return { task };
    },
  );

  // --- case watches -------------------------------------------------------------------
  app.get(
    '/watches',
    {
      config: { audit: {} },
      schema: {
        summary: 'Open case watches in your jurisdiction',
        response: { 200: T.Object({ watches: T.Array(T.Unknown()) }) },
      },
    },
    async (req) => {
      const { principal: p } = who(req);
      const watches = alerts.watches().filter((w) => ctx.orgs.within(w.caseOrg, p.org));
      auditResult(req, { resultCount: watches.length });
      return { watches };
    },
  );

  app.post(
    '/watches',
    {
      config: { audit: { sensitive: true }, roles: MANAGERS },
      schema: {
        summary: 'Add a watch to an open case (plate pattern, or clothing colours with area and window)',
        body: WatchBody,
        response: { 200: T.Object({ watch: T.Unknown() }), 400: ErrorBody, 403: ErrorBody },
      },
    },
    async (req) => {
      const { principal: p } = who(req);
      const b = req.body;
      const c = await getCase(ctx.store, b.caseId);
      if (c?.status !== 'open' || !ctx.orgs.within(c.org, p.org))
        throw apiError('API_CASE_REQUIRED', 'a watch needs an open case in your jurisdiction');
      const watch = watchOf(ctx, p, b, c);
      await alerts.addWatch(watch, p.keyId);
      auditResult(req, { resultCount: 1 });
      return { watch };
    },
  );

  app.delete(
    '/watches/:id',
    {
      config: { audit: {}, roles: MANAGERS },
      schema: {
        summary: 'Retire a watch',
        params: T.Object({ id: Id('Watch id') }),
        response: { 200: T.Object({ removed: T.Boolean() }), 404: ErrorBody },
      },
    },
    async (req) => {
      const { principal: p } = who(req);
      const { id } = req.params;
      const w = alerts.watches().find((x) => x.id === id);
      if (!w || !ctx.orgs.within(w.caseOrg, p.org)) throw apiError('API_NOT_FOUND', 'no such watch in your jurisdiction');
      const removed = await alerts.removeWatch(id, p.keyId);
      auditResult(req, { caseId: w.caseId, resultCount: removed ? 1 : 0 });
      return { removed };
    },
  );

  app.get(
    '/webhooks/dead-letters',
    {
      config: { audit: {}, roles: ['admin'] },
      schema: {
        summary: 'Webhook calls that exhausted their attempts (admin)',
        response: { 200: T.Object({ items: T.Array(T.Unknown()) }), 403: ErrorBody },
      },
    },
    async (req) => {
      const items = await alerts.webhookDeadLetters(100);
      auditResult(req, { resultCount: items.length });
      return { items };
    },
  );
};
