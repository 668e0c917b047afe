/**
 * The gateway's store-and-forward spool (docs/architecture.md#edge-agent, #no-loss-chain step 1): every outgoing message is
 * written here before it is published and stays until the ingest tier acks it. Bounded in
 * bytes: to make room the oldest snapshots go first, then the oldest hits, and both are
 * counted. A port with two adapters (disk, memory) and one contract suite (spool.contract.ts).
 */
export type SpoolKind = 'hits' | 'snap';

export interface SpoolMessage {
  /** Envelope msgId or snapshot id: what the ack names. */
  id: string;
  kind: SpoolKind;
  topic: string;
  payload: Buffer;
}

export interface SpoolEntry {
  id: string;
  kind: SpoolKind;
  topic: string;
  /** Payload size, bytes. */
  bytes: number;
  /** Append order. */
  seq: number;
}

export interface SpoolStats {
  messages: number;
  bytes: number;
  /** Messages dropped to make room, by kind (never silently). */
  droppedHits: number;
  droppedSnaps: number;
  /** Files found torn or unreadable on open (disk adapter) and discarded. */
  corrupt: number;
}

export interface Spool {
  /**
   * Appends a message (a no-op when its id is already spooled) and returns what was dropped
   * to make room. Throws EDGE_SPOOL_TOO_BIG when the message alone exceeds the bound.
   */
  append(m: SpoolMessage): Promise<SpoolEntry[]>;
  /** Spooled messages, oldest first. */
  entries(): readonly SpoolEntry[];
  has(id: string): boolean;
  read(id: string): Promise<SpoolMessage | undefined>;
  /** Deletes acked messages; returns how many were spooled. */
  remove(ids: readonly string[]): Promise<number>;
  stats(): SpoolStats;
  close(): Promise<void>;
}

/** Picks the entries to drop so that `incoming` more bytes fit: oldest snapshots, then oldest hits. Pure. */
export function chooseDrops(
  entries: readonly SpoolEntry[],
  usedBytes: number,
  incoming: number,
  maxBytes: number,
): SpoolEntry[] {
  let over = usedBytes + incoming - maxBytes;
  if (over <= 0) return [];
  const drops: SpoolEntry[] = [];
  for (const kind of ['snap', 'hits'] as const) {
    for (const e of entries) {
      if (over <= 0) return drops;
      if (e.kind !== kind) continue;
      drops.push(e);
      over -= e.bytes;
    }
  }
  return drops;
}
