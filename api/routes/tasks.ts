/**
 * Grid tasks (docs/alerts.md): `GET /tasks` (the caller's jurisdiction: a grid member sees their
 * grid, an org admin the subtree), `GET /tasks/:id` with its history, and
 * `POST /tasks/:id/accept|resolve|escalate` with a note. Case watches are in watches.ts. Roles
 * and auditing are declared per route (api/route-rules.ts); task errors answer through the one
 * status table (api/errors.ts).
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type as T } from '@sinclair/typebox';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { DISPOSITIONS, TASK_STATUSES, type Task } from '../../analytics/tasks/model.js';
import type { TasksApi } from '../../analytics/tasks/service.js';
import { type Principal, who } from '../auth.js';
import type { ApiContext } from '../context.js';
import { apiError, ErrorBody } from '../errors.js';
import { auditResult } from '../route-rules.js';
import { Id } from '../schemas.js';

/** What the task and stream routes need: the request context with the alert engine's API. */
export interface TasksRouteOptions {
  ctx: ApiContext & { alerts: TasksApi };
}

/** The latest time any query takes (2100-01-01, as api/time.ts): larger numbers cannot bind to Int64 columns. */
const MAX_EPOCH_MS = 4_102_444_800_000;

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
        maximum: MAX_EPOCH_MS,
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

/**
 * A task is the caller's when its grid lies in the caller's subtree: a task derived from a hit
 * is visible only to those who may see the hit (docs/security.md), also when it was raised for
 * a case of theirs.
 */
export function taskVisible(_ctx: Pick<ApiContext, 'orgs'>, t: Task, p: Principal): boolean {
  return t.orgPath.includes(p.org);
}

const noTask = () => apiError('API_NOT_FOUND', 'no such task in your jurisdiction');

/** The org a task list is limited to: the caller's, or a requested one inside it. */
function listOrg(ctx: ApiContext, p: Principal, org: string | undefined): string {
  if (!org) return p.org;
  if (!ctx.orgs.orgs.has(org)) throw apiError('API_NOT_FOUND', `no org '${org}'`);
  if (!ctx.orgs.within(org, p.org))
    throw apiError('API_FORBIDDEN', `org '${org}' is outside your jurisdiction`);
  return org;
}

const actionName = (req: FastifyRequest) =>
  `POST /tasks/:id/${(req.params as { action?: string }).action ?? ''}`;

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
};
