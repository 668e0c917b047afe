/**
 * API errors: `{ code, message }` with a 4xx status; never a 500 for bad input. Schema
 * validation failures become 400 `API_BAD_REQUEST` naming the field. Every error code a route
 * may throw — the API's own and those of the tiers below (tasks) — has its status in
 * `STATUS_OF`, the one table (docs/api.md#writing-a-route); a lower tier's code may answer under an API
 * code (`ANSWER_AS`).
 */
import type { FastifyError, FastifyInstance } from 'fastify';
import { XlError } from '../contracts/errors.js';

export const STATUS_OF: Readonly<Record<string, number>> = Object.freeze({
  API_BAD_REQUEST: 400,
  API_BAD_RANGE: 400,
  API_BAD_CURSOR: 400,
  API_BAD_PLATE: 400,
  API_BAD_IMAGE: 400,
  API_NO_DESCRIPTOR: 400,
  API_CASE_CLOSED: 409,
  API_UNAUTHORIZED: 401,
  API_FORBIDDEN: 403,
  API_CASE_REQUIRED: 403,
  API_LINK_INVALID: 403,
  API_NOT_FOUND: 404,
  API_RATE_LIMITED: 429,
  API_UNAVAILABLE: 503,
  API_TASK_CONFLICT: 409,
  TASK_BAD_TRANSITION: 409,
  TASK_AT_TOP: 409,
  TASK_CONFLICT: 409,
  TASK_NOT_FOUND: 404,
});

/** Codes of the tiers below that answer under an API code, with the message to send (else theirs). */
export const ANSWER_AS: Readonly<Record<string, { code: string; message?: string }>> = Object.freeze({
  TASK_BAD_TRANSITION: { code: 'API_TASK_CONFLICT' },
  TASK_AT_TOP: { code: 'API_TASK_CONFLICT' },
  TASK_CONFLICT: { code: 'API_TASK_CONFLICT' },
  TASK_NOT_FOUND: { code: 'API_NOT_FOUND', message: 'no such task in your jurisdiction' },
});

export function apiError(code: string, message: string, details?: Record<string, unknown>): XlError {
  return new XlError(code, message, details);
}

export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | XlError | Error, req, reply) => {
    if (err instanceof XlError) {
      const status = STATUS_OF[err.code] ?? 500;
      if (status >= 500) req.log.error({ err }, 'request failed');
      const as = ANSWER_AS[err.code];
      return reply.status(status).send({ code: as?.code ?? err.code, message: as?.message ?? err.message });
    }
    const fe = err as FastifyError;
    if (fe.validation) {
      return reply.status(400).send({
        code: 'API_BAD_REQUEST',
        message: `${fe.validationContext ?? 'request'}${fe.message.replace(/^(querystring|body|params|headers)/, '')}`,
      });
    }
    if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
      const code =
        fe.statusCode === 429
          ? 'API_RATE_LIMITED'
          : fe.statusCode === 404
            ? 'API_NOT_FOUND'
            : 'API_BAD_REQUEST';
      return reply.status(fe.statusCode).send({ code, message: fe.message });
    }
    req.log.error({ err }, 'request failed');
    return reply.status(500).send({ code: 'API_INTERNAL', message: 'internal error' });
  });
  app.setNotFoundHandler((req, reply) =>
    reply
      .status(404)
      .send({ code: 'API_NOT_FOUND', message: `no route ${req.method} ${req.url.split('?')[0]}` }),
  );
}

export const ErrorBody = {
  type: 'object',
  properties: { code: { type: 'string' }, message: { type: 'string' } },
  required: ['code', 'message'],
} as const;
