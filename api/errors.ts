/**
 * API errors: `{ code, message }` with a 4xx status; never a 500 for bad input. Schema
 * validation failures become 400 `API_BAD_REQUEST` naming the field.
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
});

export function apiError(code: string, message: string, details?: Record<string, unknown>): XlError {
  return new XlError(code, message, details);
}

export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | XlError | Error, req, reply) => {
    if (err instanceof XlError) {
      const status = STATUS_OF[err.code] ?? 500;
      if (status >= 500) req.log.error({ err }, 'request failed');
      return reply.status(status).send({ code: err.code, message: err.message });
    }
    const fe = err as FastifyError;
    if (fe.validation) {
      return reply.status(400).send({ code: 'API_BAD_REQUEST', message: `${fe.validationContext ?? 'request'}${fe.message.replace(/^(querystring|body|params|headers)/, '')}` });
    }
    if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
      const code = fe.statusCode === 429 ? 'API_RATE_LIMITED' : fe.statusCode === 404 ? 'API_NOT_FOUND' : 'API_BAD_REQUEST';
      return reply.status(fe.statusCode).send({ code, message: fe.message });
    }
    req.log.error({ err }, 'request failed');
    return reply.status(500).send({ code: 'API_INTERNAL', message: 'internal error' });
  });
  app.setNotFoundHandler((req, reply) => reply.status(404).send({ code: 'API_NOT_FOUND', message: `no route ${req.method} ${req.url.split('?')[0]}` }));
}

export const ErrorBody = {
  type: 'object',
  properties: { code: { type: 'string' }, message: { type: 'string' } },
  required: ['code', 'message'],
} as const;
