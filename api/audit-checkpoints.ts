/**
 * Signed checkpoints of the audit chain, kept outside the store (docs/privacy.md): a process
 * signs its chain's head with the city's Ed25519 key every `checkpointEveryMs` when it moved
 * and when it stops, appends it as a JSON line to the checkpoint file (0600), and optionally
 * POSTs it to a webhook (an external archive). `verifyAudit` compares each chain with its
 * newest checkpoint: rows deleted off a chain's end, or a chain re-hashed, no longer match.
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import type { KeyObject } from 'node:crypto';
import type { Logger } from '../contracts/log.js';
import { type AuditCheckpoint, type Signed, signDoc, verifyDoc } from '../contracts/signed.js';
import type { SigningKey } from './city-keys.js';

export interface CheckpointWriterOptions {
  file: string;
  signing: SigningKey;
  everyMs: number;
  webhook?: string;
  log: Logger;
  now: () => number;
}

export class CheckpointWriter {
  private pending: { chain: string; seq: number; hash: string } | undefined;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly o: CheckpointWriterOptions) {
    this.timer = setInterval(() => void this.flush(), o.everyMs);
    this.timer.unref();
  }

  /** Notes a chain's new head (signed at the next tick). */
  note(head: { chain: string; seq: number; hash: string }): void {
    this.pending = head;
  }

  /** Signs and writes the pending head now, if any. */
  async flush(): Promise<Signed<AuditCheckpoint> | undefined> {
    const head = this.pending;
    if (!head) return undefined;
    this.pending = undefined;
    const cp = signDoc<AuditCheckpoint>(
      {
        v: 1,
        kind: 'audit-checkpoint',
        chain: head.chain,
        seq: head.seq,
        hash: head.hash,
        tsMs: this.o.now(),
      },
      this.o.signing.privateKey,
      this.o.signing.publicKey,
    );
    try {
      appendFileSync(this.o.file, `${JSON.stringify(cp)}\n`, { mode: 0o600 });
    } catch (e) {
      this.pending ??= head;
      this.o.log.error({ err: (e as Error).message, file: this.o.file }, 'audit checkpoint not written');
      return undefined;
    }
    if (this.o.webhook) {
      await fetch(this.o.webhook, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(cp),
        signal: AbortSignal.timeout(5000),
      })
        .then((r) => {
          if (!r.ok) throw new Error(`HTTP ${r.status}`);
        })
        .catch((e: unknown) =>
          this.o.log.warn({ err: (e as Error).message }, 'audit checkpoint webhook failed'),
        );
    }
    return cp;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}

/** The checkpoints in `file` whose signature verifies, and how many lines do not. */
export function readCheckpoints(
  file: string | undefined,
  publicKey: KeyObject,
): { valid: AuditCheckpoint[]; invalid: number } {
  const out = { valid: [] as AuditCheckpoint[], invalid: 0 };
  if (!file || !existsSync(file)) return out;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      const doc = JSON.parse(line) as Signed<AuditCheckpoint>;
      if (doc.kind === 'audit-checkpoint' && verifyDoc(doc, publicKey)) out.valid.push(doc);
      else out.invalid++;
    } catch {
      out.invalid++;
    }
  }
  return out;
}
