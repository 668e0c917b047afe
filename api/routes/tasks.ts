/**
 * Grid tasks and case watches (issue 7): `GET /tasks` (the caller's jurisdiction: a grid
 * member sees their grid, an org admin the subtree), `GET /tasks/:id` with its history,
 * `POST /tasks/:id/accept|resolve|escalate` with a note, case watches (`/watches`), and the
 * webhook dead letters. Every action is audited through the `audit` option.
 */
import { type Static, Type as T } from '@sinclair/typebox';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { ulid } from 'ulid';
import { defaultMode } from '../../analytics/alerts/plates.js';
import type { Watch } from '../../analytics/alerts/watches.js';
import type { Store } from '../../analytics/store.js';
import { DISPOSITIONS, TASK_STATUSES, type Task } from '../../analytics/tasks/model.js';
import type { AlertEngine } from '../../analytics/tasks/service.js';
import { isXlError } from '../../contracts/errors.js';
import { COLOURS } from '../../contracts/hit.js';
import type { AuditLog } from '../../analytics/audit.js';
import type { Principal } from '../auth.js';
import { type AuditRecord, auditEntry } from '../context.js';
import { apiError, ErrorBody } from '../errors.js';

export type { AuditRecord } from '../context.js';

export type AuditFn = (req: FastifyRequest, e: AuditRecord) => Promise<void>;

/** The API's hash-chained audit log (analytics/audit.ts `AuditLog`), or anything that appends like it. */
export type AuditSink = Pick<AuditLog, 'append'>;

export interface TasksRouteOptions {
  alerts: AlertEngine;
  store: Store;
  /** The API's audit log; absent: actions are logged (pino) only. */
  auditLog?: AuditSink;
  now?: () => number;
  /** The org and status of a case (default: the `cases` table). */
  caseOf?: (caseId: string) => Promise<{ org: string; status: string } | undefined>;
}

/** The audit writer routes call: to the audit log when there is one, else the request log. */
export function auditFn(o: { auditLog?: AuditSink; now?: () => number }): AuditFn {
  const sink = o.auditLog;
  const now = o.now ?? Date.now;
  if (!sink)
    return async (req, e) =>
      req.log.info({ audit: e, key: req.principal?.keyId }, 'audited action (no audit log configured)');
  return async (req, e) => {
    req.audited = true; // api/audit-hook.ts then writes no second row
    await sink.append(auditEntry(req, e, now()));
  };
}

/** The latest time any query takes (2100-01-01, as api/time.ts): larger numbers cannot bind to Int64 columns. */
const MAX_EPOCH_MS = 4_102_444_800_000;

const Id = (description: string) =>
  T.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]*$', description });

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
    fromMs: T.Optional(T.Integer({ minimum: 0, maximum: MAX_EPOCH_MS, description: 'Window start, epoch ms' })),
    toMs: T.Optional(T.Integer({ minimum: 0, maximum: MAX_EPOCH_MS, description: 'Window end, epoch ms' })),
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

function principal(req: FastifyRequest): Principal {
  const p = req.principal;
  if (!p) throw apiError('API_UNAUTHORIZED', 'not signed in');
  return p;
}

/**
 * A task is the caller's when its grid lies in the caller's subtree: a task derived from a hit
 * is visible only to those who may see the hit (docs/security.md), also when it was raised for
 * a case of theirs.
 */
export function taskVisible(_alerts: AlertEngine, t: Task, p: Principal): boolean {
  return t.orgPath.includes(p.org);
}

function mapTaskError(e: unknown, reply: FastifyReply): FastifyReply | undefined {
  if (isXlError(e, 'TASK_BAD_TRANSITION') || isXlError(e, 'TASK_AT_TOP') || isXlError(e, 'TASK_CONFLICT')) {
    return reply.status(409).send({ code: 'API_TASK_CONFLICT', message: e.message });
  }
  if (isXlError(e, 'TASK_NOT_FOUND'))
    return reply.status(404).send({ code: 'API_NOT_FOUND', message: 'no such task in your jurisdiction' });
  return undefined;
}

export const tasksRoutes: FastifyPluginAsync<TasksRouteOptions> = async (app, o) => {
  const { alerts } = o;
  const audit = auditFn(o);
  const caseOf =
    o.caseOf ??
    (async (id: string) => {
      const rows = await o.store.query<{ org: string; status: string }>(
        'SELECT org, status FROM cases FINAL WHERE id = {id:String} LIMIT 1',
        { id },
      );
      return rows[0];
    });

  app.get(
    '/tasks',
    {
      schema: {
        summary: 'Tasks in your jurisdiction, most recently changed first',
        querystring: TasksQuery,
        response: { 200: T.Object({ tasks: T.Array(TaskJson) }), 400: ErrorBody },
      },
    },
    async (req) => {
      const p = principal(req);
      const q = req.query as Static<typeof TasksQuery>;
      let org = p.org;
      if (q.org) {
        if (!alerts.orgs.has(q.org)) throw apiError('API_NOT_FOUND', `no org '${q.org}'`);
        if (!alerts.orgs.within(q.org, p.org))
          throw apiError('API_FORBIDDEN', `org '${q.org}' is outside your jurisdiction`);
        org = q.org;
      }
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
      await audit(req, { endpoint: 'GET /tasks', filters: { ...q }, resultCount: tasks.length });
      return { tasks };
    },
  );

  app.get(
    '/tasks/:id',
    {
      schema: {
        summary: 'One task and its events',
        params: Params,
        response: { 200: T.Object({ task: TaskJson, events: T.Array(T.Unknown()) }), 404: ErrorBody },
      },
    },
    async (req, reply) => {
      const p = principal(req);
      const { id } = req.params as Static<typeof Params>;
      const task = await alerts.get(id);
      if (!task || !taskVisible(alerts, task, p))
        return reply
          .status(404)
          .send({ code: 'API_NOT_FOUND', message: 'no such task in your jurisdiction' });
      const events = await alerts.history(id);
      await audit(req, { endpoint: 'GET /tasks/:id', filters: { id }, resultCount: 1 });
      return { task, events };
    },
  );

  app.post(
    '/tasks/:id/:action',
    {
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
    async (req, reply) => {
      const p = principal(req);
      const { id, action } = req.params as Static<typeof Action>;
      const body = req.body as Static<typeof ActionBody>;
      const filters = { id, action, note: body.note, disposition: body.disposition };
      if (p.role === 'viewer') {
        await audit(req, { endpoint: `POST /tasks/:id/${action}`, filters, resultCount: 0, status: 403 });
        throw apiError('API_FORBIDDEN', 'viewers may not act on tasks');
      }
      if (body.disposition && action !== 'resolve')
        throw apiError('API_BAD_REQUEST', 'disposition goes with resolve only');
      const before = await alerts.get(id);
      if (!before || !taskVisible(alerts, before, p)) {
        await audit(req, { endpoint: `POST /tasks/:id/${action}`, filters, resultCount: 0, status: 404 });
        return reply
          .status(404)
          .send({ code: 'API_NOT_FOUND', message: 'no such task in your jurisdiction' });
      }
      try {
        const task = await alerts.act(id, action, {
          by: p.keyId,
          note: body.note,
          ...(body.disposition ? { disposition: body.disposition } : {}),
        });
        await audit(req, { endpoint: `POST /tasks/:id/${action}`, filters, resultCount: 1 });
        return { task };
      } catch (e) {
        const sent = mapTaskError(e, reply);
        if (!sent) throw e;
        await audit(req, {
          endpoint: `POST /tasks/:id/${action}`,
          filters,
          resultCount: 0,
          status: reply.statusCode,
        });
        return sent;
      }
    },
  );

  // --- case watches -------------------------------------------------------------------
  app.get(
    '/watches',
    {
      schema: {
        summary: 'Open case watches in your jurisdiction',
        response: { 200: T.Object({ watches: T.Array(T.Unknown()) }) },
      },
    },
    async (req) => {
      const p = principal(req);
      const watches = alerts.watches().filter((w) => alerts.orgs.within(w.caseOrg, p.org));
      await audit(req, { endpoint: 'GET /watches', filters: {}, resultCount: watches.length });
      return { watches };
    },
  );

  app.post(
    '/watches',
    {
      schema: {
        summary: 'Add a watch to an open case (plate pattern, or clothing colours with area and window)',
        body: WatchBody,
        response: { 200: T.Object({ watch: T.Unknown() }), 400: ErrorBody, 403: ErrorBody },
      },
    },
    async (req) => {
      const p = principal(req);
      const b = req.body as Static<typeof WatchBody>;
      if (p.role !== 'admin' && p.role !== 'analyst')
        throw apiError('API_FORBIDDEN', 'needs role admin or analyst');
      const c = await caseOf(b.caseId);
      if (c?.status !== 'open' || !alerts.orgs.within(c.org, p.org)) {
        await audit(req, {
          endpoint: 'POST /watches',
          filters: { ...b },
          caseId: b.caseId,
          resultCount: 0,
          status: 403,
        });
        throw apiError('API_CASE_REQUIRED', 'a watch needs an open case in your jurisdiction');
      }
      if (b.area && (!alerts.orgs.has(b.area) || !alerts.orgs.within(b.area, p.org)))
        throw apiError('API_FORBIDDEN', `area '${b.area}' is outside your jurisdiction`);
      if (b.fromMs !== undefined && b.toMs !== undefined && b.toMs < b.fromMs)
        throw apiError('API_BAD_REQUEST', 'toMs is before fromMs');
      const base = {
        id: ulid(),
        caseId: b.caseId,
        caseOrg: c.org,
        // Never wider than the caller's jurisdiction (docs/security.md): for a root principal
        // its org is on every camera's path, which is "anywhere".
        area: b.area ?? p.org,
        fromMs: b.fromMs ?? null,
        toMs: b.toMs ?? null,
      };
      let watch: Watch;
      if (b.kind === 'plate') {
        if (!b.pattern) throw apiError('API_BAD_REQUEST', 'a plate watch needs a pattern');
        watch = { ...base, kind: 'plate', pattern: b.pattern, mode: b.mode ?? defaultMode(b.pattern) };
      } else {
        if (!b.upper && !b.lower) throw apiError('API_BAD_REQUEST', 'a clothing watch needs upper or lower');
        watch = { ...base, kind: 'clothing', upper: b.upper ?? null, lower: b.lower ?? null };
      }
      await alerts.addWatch(watch, p.keyId);
      await audit(req, { endpoint: 'POST /watches', filters: { ...b }, caseId: b.caseId, resultCount: 1 });
      return { watch };
    },
  );

  app.delete(
    '/watches/:id',
    {
      schema: {
        summary: 'Retire a watch',
        params: T.Object({ id: Id('Watch id') }),
        response: { 200: T.Object({ removed: T.Boolean() }), 404: ErrorBody },
      },
    },
    async (req) => {
      const p = principal(req);
      const { id } = req.params as { id: string };
      const w = alerts.watches().find((x) => x.id === id);
      if (!w || !alerts.orgs.within(w.caseOrg, p.org) || (p.role !== 'admin' && p.role !== 'analyst'))
        throw apiError('API_NOT_FOUND', 'no such watch in your jurisdiction');
      const removed = await alerts.removeWatch(id, p.keyId);
      await audit(req, {
        endpoint: 'DELETE /watches/:id',
        filters: { id },
        caseId: w.caseId,
        resultCount: removed ? 1 : 0,
      });
      return { removed };
    },
  );

  app.get(
    '/webhooks/dead-letters',
    {
      schema: {
        summary: 'Webhook calls that exhausted their attempts (admin)',
        response: { 200: T.Object({ items: T.Array(T.Unknown()) }), 403: ErrorBody },
      },
    },
    async (req) => {
      const p = principal(req);
      if (p.role !== 'admin') throw apiError('API_FORBIDDEN', 'needs role admin');
      const items = await alerts.webhookDeadLetters(100);
      await audit(req, { endpoint: 'GET /webhooks/dead-letters', filters: {}, resultCount: items.length });
      return { items };
    },
  );
};
