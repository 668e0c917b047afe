/**
 * Bounds on what one MQTT connection may make the endpoint buffer (docs/security.md): aedes
 * parses a packet only once all of it has arrived (mqtt-packet accumulates the bytes), so a
 * 64 MB publish used to be held whole before anything could refuse it. The guard reads the
 * byte stream alongside the parser, decodes each packet's fixed header (type and Remaining
 * Length, MQTT 3.1.1 §2.2) and, for a PUBLISH, its topic, and says "close" as soon as a
 * packet announces more than its topic kind allows, before its body is read:
 *
 * - hits and sensors: `wire.hitsBytes`; snapshots: `wire.snapshotBytes`; everything else: `wire.otherBytes`.
 *   Between the contract's limit (contracts/hit.ts LIMITS) and these wire bounds a message is
 *   still read, quarantined as INGEST_OVERSIZE and acked, so a gateway stops resending it.
 * - before the client is authenticated (CONNECT accepted), at most `preAuthBytes` in all.
 *
 * Pure: bytes in, a verdict out.
 */
import { LIMITS } from '../contracts/hit.js';
import { parseTopic } from '../contracts/topics.js';

export interface WireLimits {
  hitsBytes: number;
  snapshotBytes: number;
  otherBytes: number;
  preAuthBytes: number;
}

export const WIRE_LIMITS: Readonly<WireLimits> = Object.freeze({
  hitsBytes: 4 * LIMITS.envelopeBytes,
  snapshotBytes: 4 * LIMITS.snapshotBytes,
  otherBytes: 64 * 1024,
  preAuthBytes: 256 * 1024,
});

/** The largest packet body allowed for a PUBLISH on `topic`. */
export function publishLimit(topic: string, w: Readonly<WireLimits> = WIRE_LIMITS): number {
  const t = parseTopic(topic);
  // Sensors envelopes share the hits envelope's contract limit (contracts/sensor.ts SENSOR_LIMITS).
  if (t?.kind === 'hits' || t?.kind === 'sensors') return w.hitsBytes;
  if (t?.kind === 'snapshot') return w.snapshotBytes;
  return w.otherBytes;
}

const PUBLISH = 3;

export class PacketGuard {
  /** Bytes of the current fixed header / topic prefix still being decoded. */
  private head: number[] = [];
  /** Body bytes of the current packet not yet seen (after its header was decided). */
  private skip = 0;
  private seen = 0;
  authenticated = false;
  /** Why the connection must close, once it must. */
  refused: string | undefined;

  constructor(private readonly w: Readonly<WireLimits> = WIRE_LIMITS) {}

  /** Feeds bytes read from the socket; returns false when the connection must close. */
  feed(buf: Uint8Array): boolean {
    if (this.refused) return false;
    this.seen += buf.byteLength;
    if (!this.authenticated && this.seen > this.w.preAuthBytes) {
      this.refused = `more than ${this.w.preAuthBytes} bytes before the connection was authenticated`;
      return false;
    }
    let i = 0;
    while (i < buf.byteLength) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, buf.byteLength - i);
        this.skip -= n;
        i += n;
        continue;
      }
      this.head.push(buf[i++]!);
      const verdict = this.decide();
      if (verdict === 'refuse') return false;
    }
    return true;
  }

  /** With the bytes in `head`: wait for more, or set `skip` for the rest of the packet. */
  private decide(): 'wait' | 'ok' | 'refuse' {
    const h = this.head;
    if (h.length < 2) return 'wait';
    let len = 0;
    let mul = 1;
    let k = 1;
    for (; k < h.length && k <= 4; k++) {
      const b = h[k]!;
      len += (b & 0x7f) * mul;
      mul *= 128;
      if ((b & 0x80) === 0) break;
    }
    if (k > 4) return this.refuse('malformed Remaining Length');
    if (k === h.length) return 'wait'; // the length is not complete yet
    const headerBytes = k + 1;
    const type = h[0]! >> 4;
    let limit = this.w.otherBytes;
    if (type === PUBLISH) {
      // Variable header: topic length (2 bytes) and topic; wait for them (bounded by 65,537).
      const have = h.length - headerBytes;
      if (have < 2) return len < 2 ? this.refuse('PUBLISH without a topic') : 'wait';
      const topicLen = (h[headerBytes]! << 8) | h[headerBytes + 1]!;
      if (topicLen + 2 > len) return this.refuse('PUBLISH topic longer than the packet');
      if (have < topicLen + 2) return 'wait';
      const topic = Buffer.from(h.slice(headerBytes + 2, headerBytes + 2 + topicLen)).toString('utf8');
      limit = publishLimit(topic, this.w);
    }
    if (len > limit)
      return this.refuse(
        `a ${type === PUBLISH ? 'PUBLISH' : `type ${type}`} packet of ${len} bytes > ${limit}`,
      );
    this.skip = len - (h.length - headerBytes);
    this.head = [];
    return 'ok';
  }

  private refuse(why: string): 'refuse' {
    this.refused = why;
    return 'refuse';
  }
}
