/**
 * Coded errors. Every code is DOMAIN_WHAT (e.g. EDGE_RTSP_STALLED, INGEST_BAD_HIT,
 * API_CASE_REQUIRED) and is listed in docs/errors.md — a test greps the source for
 * `new XlError('…'` and fails when a code is missing there. Callers branch on `code`,
 * never on `message`.
 */
export class XlError extends Error {
  readonly code: string;
  readonly details: Record<string, unknown> | undefined;

  constructor(
    code: string,
    message: string,
    details?: Record<string, unknown>,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'XlError';
    this.code = code;
    this.details = details;
  }
}

export function isXlError(e: unknown, code?: string): e is XlError {
  return e instanceof XlError && (code === undefined || e.code === code);
}

/** A message for any thrown value. */
export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}
