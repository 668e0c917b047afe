import { describe, expect, it } from 'vitest';
import { topics } from '../contracts/topics.js';
import { PacketGuard, publishLimit, WIRE_LIMITS } from './packet-guard.js';

/** MQTT Remaining Length encoding (MQTT 3.1.1 §2.2.3). */
function varint(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return out;
}

/** The first bytes of a QoS 1 PUBLISH whose body announces `bodyBytes`. */
function publishHead(topic: string, bodyBytes: number): Buffer {
  const t = Buffer.from(topic);
  return Buffer.from([0x32, ...varint(bodyBytes), t.length >> 8, t.length & 0xff, ...t]);
}

describe('PacketGuard', () => {
  it('bounds a PUBLISH by its topic kind from its header, before the body arrives', () => {
    const ok = new PacketGuard();
    ok.authenticated = true;
    expect(ok.feed(publishHead(topics.hits('gw-1'), WIRE_LIMITS.hitsBytes))).toBe(true);
    const big = new PacketGuard();
    big.authenticated = true;
    expect(big.feed(publishHead(topics.hits('gw-1'), 64 * 1024 * 1024))).toBe(false);
    expect(big.refused).toMatch(/PUBLISH/);
    const snap = new PacketGuard();
    snap.authenticated = true;
    expect(snap.feed(publishHead(topics.snapshot('gw-1', 's1'), WIRE_LIMITS.snapshotBytes + 1))).toBe(false);
    const status = new PacketGuard();
    status.authenticated = true;
    expect(status.feed(publishHead(topics.status('gw-1'), WIRE_LIMITS.otherBytes + 1))).toBe(false);
  });

  it('follows packets split across chunks at any byte, and skips bodies', () => {
    const body = 1000;
    const head = publishHead(topics.hits('gw-1'), body);
    const packet = Buffer.concat([head, Buffer.alloc(body - (head.length - 3), 0x41)]);
    const stream = Buffer.concat([packet, Buffer.from([0xc0, 0x00]), packet]); // PUBLISH, PINGREQ, PUBLISH
    const g = new PacketGuard();
    g.authenticated = true;
    for (const b of stream) expect(g.feed(Buffer.from([b]))).toBe(true);
    const tooBig = publishHead(topics.status('gw-1'), WIRE_LIMITS.otherBytes + 10);
    expect(g.feed(tooBig.subarray(0, 3))).toBe(true); // the topic is not complete yet
    expect(g.feed(tooBig.subarray(3))).toBe(false);
  });

  it('allows only preAuthBytes before the connection is authenticated', () => {
    const g = new PacketGuard({ ...WIRE_LIMITS, preAuthBytes: 100 });
    expect(g.feed(Buffer.from([0xc0, 0x00]))).toBe(true);
    expect(g.feed(Buffer.alloc(200))).toBe(false);
    expect(g.refused).toMatch(/before the connection was authenticated/);
  });

  it('refuses a malformed Remaining Length', () => {
    const g = new PacketGuard();
    g.authenticated = true;
    expect(g.feed(Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01]))).toBe(false);
  });

  it('limits by topic kind', () => {
    expect(publishLimit(topics.hits('g'))).toBe(WIRE_LIMITS.hitsBytes);
    expect(publishLimit(topics.sensors('g'))).toBe(WIRE_LIMITS.hitsBytes);
    expect(publishLimit(topics.snapshot('g', 's'))).toBe(WIRE_LIMITS.snapshotBytes);
    expect(publishLimit('anything/else')).toBe(WIRE_LIMITS.otherBytes);
  });
});
