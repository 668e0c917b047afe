/**
 * Collects the ids to ack per gateway and publishes them once per event-loop turn, so a
 * burst of messages costs one ack message per gateway (split at ACK_MAX_IDS ids).
 */
import { topics } from '../contracts/topics.js';
import { ACK_MAX_IDS, encodeAck } from '../contracts/ack.js';

export type PublishFn = (topic: string, payload: Buffer) => Promise<void>;

export class AckBatcher {
  private pending = new Map<string, string[]>();
  private scheduled = false;
  private inFlight = new Set<Promise<void>>();

  constructor(
    private readonly publish: PublishFn,
    private readonly onError: (e: unknown) => void,
  ) {}

  add(gateway: string, id: string): void {
    const ids = this.pending.get(gateway);
    if (ids) ids.push(id);
    else this.pending.set(gateway, [id]);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  private flush(): void {
    this.scheduled = false;
    const batch = this.pending;
    this.pending = new Map();
    for (const [gw, ids] of batch) {
      for (let i = 0; i < ids.length; i += ACK_MAX_IDS) {
        const p = this.publish(topics.ack(gw), encodeAck(ids.slice(i, i + ACK_MAX_IDS))).catch(this.onError);
        this.inFlight.add(p);
        void p.finally(() => this.inFlight.delete(p));
      }
    }
  }

  /** Publishes what is pending and waits for the publishes. */
  async drain(): Promise<void> {
    this.flush();
    await Promise.all([...this.inFlight]);
  }
}
