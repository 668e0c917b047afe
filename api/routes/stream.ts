/**
 * `GET /api/v1/stream`: Server-Sent Events of new hits (`event: hit`) and task changes
 * (`event: task`) in the caller's jurisdiction: hits from the live hit feed every ingest worker
 * publishes through Redis (analytics/hit-feed.ts), task changes from the alert engine.
 * A comment line every `heartbeatMs` keeps proxies from closing the connection. A slow client
 * does not hold memory: past `maxBufferedBytes` unsent, events are dropped for it and the
 * count is sent as `event: dropped`.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type as T } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { LiveHits, PlacedHit } from '../../analytics/hit-feed.js';
import type { TaskChange } from '../../analytics/tasks/service.js';
import { who } from '../auth.js';
import { apiError } from '../errors.js';
import { auditNow } from '../route-rules.js';
import { type TasksRouteOptions, taskVisible } from './tasks.js';

export interface StreamRouteOptions extends TasksRouteOptions {
  heartbeatMs?: number;
  maxBufferedBytes?: number;
  /** Streams one principal may hold open at once (city.yaml `api.maxStreamsPerKey`; default 4). */
  maxStreamsPerKey?: number;
  /** The live hit feed; without it the stream carries task changes only. */
  feed?: LiveHits;
}

const StreamQuery = T.Object(
  {
    hits: T.Optional(T.Boolean({ default: true, description: 'Send new hits' })),
    tasks: T.Optional(T.Boolean({ default: true, description: 'Send task changes' })),
  },
  { additionalProperties: false },
);

// A hit is serialised once for all the streams it goes to (every dashboard gets every hit
// of its jurisdiction; at 20,000 hits/s that is the largest cost of a stream).
const frames = new WeakMap<PlacedHit, string>();
function hitFrame(h: PlacedHit): string {
  let f = frames.get(h);
  if (f === undefined) {
    f = `event: hit\ndata: ${JSON.stringify(h.hit)}\n\n`;
    frames.set(h, f);
  }
  return f;
}

export const streamRoutes: FastifyPluginAsync<StreamRouteOptions> = async (app0, o) => {
  const app = app0.withTypeProvider<TypeBoxTypeProvider>();
  const { ctx } = o;
  const heartbeatMs = o.heartbeatMs ?? 15_000;
  const maxBuffered = o.maxBufferedBytes ?? 1024 * 1024;
  const maxPerKey = o.maxStreamsPerKey ?? 4;
  // Open streams per principal: a key must not hold every connection the server allows.
  const perKey = new Map<string, number>();
  // Open streams end when the app closes (a hijacked reply would keep the server open).
  const open = new Set<() => void>();
  app.addHook('onClose', async () => {
    for (const end of [...open]) end();
  });

  app.get(
    '/stream',
    {
      // A hijacked reply never reaches the onSend hook: the row is written before hijacking.
      config: { audit: {} },
      schema: {
        summary: 'SSE of new hits and task changes in your jurisdiction',
        querystring: StreamQuery,
        response: {
          200: {
            description:
              'Server-sent events: `hits` (an array of hits) and `task` (a task change), with heartbeats',
            content: { 'text/event-stream': { schema: { type: 'string' } } },
          },
        },
      },
    },
    async (req, reply) => {
      const { principal: p } = who(req);
      const q = req.query;
      const held = perKey.get(p.keyId) ?? 0;
      if (held >= maxPerKey) {
        await auditNow(ctx, req, 429);
        throw apiError('API_RATE_LIMITED', `at most ${maxPerKey} open streams per key; close one first`);
      }
      perKey.set(p.keyId, held + 1);
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        const n = (perKey.get(p.keyId) ?? 1) - 1;
        if (n > 0) perKey.set(p.keyId, n);
        else perKey.delete(p.keyId);
      };
      await auditNow(ctx, req).catch((e: unknown) => {
        release();
        throw e;
      });
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      res.write(': connected\n\n');
      let dropped = 0;
      const write = (frame: string) => {
        if (res.writableLength > maxBuffered) {
          dropped++;
          return;
        }
        if (dropped) {
          res.write(`event: dropped\ndata: ${dropped}\n\n`);
          dropped = 0;
        }
        res.write(frame);
      };
      const send = (event: string, data: unknown) =>
        write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      const onHits = (batch: PlacedHit[]) => {
        for (const h of batch) if (h.orgPath.includes(p.org)) write(hitFrame(h));
      };
      const onTask = (c: TaskChange) => {
        if (taskVisible(ctx, c.task, p))
          send('task', { event: c.event.type, by: c.event.by, tsMs: c.event.tsMs, task: c.task });
      };
      const offTasks = ctx.alerts.subscribe(q.tasks !== false ? { task: onTask } : {});
      const offHits = q.hits !== false && o.feed ? o.feed.subscribe(onHits) : () => undefined;
      const unsubscribe = () => {
        offTasks();
        offHits();
      };
      const beat = setInterval(() => res.write(': ping\n\n'), heartbeatMs);
      const stop = () => {
        release();
        clearInterval(beat);
        unsubscribe();
        open.delete(end);
      };
      const end = () => {
        stop();
        res.end();
      };
      open.add(end);
      req.raw.on('close', stop);
      res.on('close', stop);
    },
  );
};
