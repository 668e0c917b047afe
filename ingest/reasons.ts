/**
 * Quarantine reason codes of the ingest tier: the contract's (contracts/validate.ts) plus
 * the ones only the tier can tell (who published, where, what size). Listed in docs/errors.md.
 */
import type { SensorRejectReason } from '../contracts/sensor-validate.js';
import type { RejectReason } from '../contracts/validate.js';

export type IngestReason =
  | RejectReason
  /** Readings and device alarms (contracts/sensor-validate.ts, ingest/sensor-intake.ts). */
  | SensorRejectReason
  /** The client's username is not a gateway in city.yaml (broker mode; embedded refuses the connection). */
  | 'INGEST_UNKNOWN_GATEWAY'
  /** A gateway published under another gateway's prefix. */
  | 'INGEST_OUTSIDE_PREFIX'
  /** A snapshot that is empty or not a JPEG. */
  | 'INGEST_BAD_SNAPSHOT'
  /** A gateway status message that is neither a valid status document nor `offline`. */
  | 'INGEST_BAD_STATUS'
  /** A snapshot no hit named within the grace period (moved by the orphan sweep, ingest/orphans.ts). */
  | 'INGEST_ORPHAN_SNAPSHOT';
