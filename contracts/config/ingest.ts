/** The ingest tier's settings. Part of city.yaml. */
import { Type as T } from '@sinclair/typebox';

export const IngestSection = T.Object(
  {
    open: T.Boolean({
      default: false,
      description: 'Development only: accept any gateway and camera (unknown cameras are registered on first sight)',
    }),
    bundleMaxHits: T.Integer({ minimum: 1, maximum: 100_000, default: 10_000, description: 'Most hits bundled into one queue job' }),
    bundleMaxMs: T.Integer({ minimum: 1, maximum: 10_000, default: 200, description: 'Longest a hit waits for its bundle to fill, ms' }),
    workerConcurrency: T.Integer({ minimum: 1, maximum: 64, default: 1, description: 'Jobs a worker inserts at once' }),
    attempts: T.Integer({ minimum: 1, maximum: 100, default: 8, description: 'Insert attempts per job before it becomes a dead letter' }),
    backoffMs: T.Integer({ minimum: 10, maximum: 600_000, default: 500, description: 'First retry delay; doubles per attempt' }),
  },
  { additionalProperties: false, default: {}, description: 'Ingest: queueing and writing hits' },
);
