/**
 * contracts/tls.ts and contracts/mqtt-backoff.ts: Node's TLS failures map to the codes of
 * docs/errors.md, a plaintext link off loopback needs consent, unreadable PEM files are named,
 * and the backoff doubles to its cap.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isXlError } from './errors.js';
import { backoffDelay } from './mqtt-backoff.js';
import {
  assertPlaintextAllowed,
  connectionErrorCode,
  gatewayMqttOptions,
  isLoopback,
  readTls,
  setServiceTls,
  tlsForUrl,
} from './tls.js';

const dir = mkdtempSync(join(tmpdir(), 'xl-tls-unit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return isXlError(e) ? e.code : String(e);
  }
  return 'ok';
};

describe('connection error codes', () => {
  it('names what the operator must fix', () => {
    const e = (code: string | number, message = '') => Object.assign(new Error(message), { code });
    expect(connectionErrorCode(e('SELF_SIGNED_CERT_IN_CHAIN'))).toBe('TLS_UNTRUSTED');
    expect(connectionErrorCode(e('UNABLE_TO_VERIFY_LEAF_SIGNATURE'))).toBe('TLS_UNTRUSTED');
    expect(connectionErrorCode(e('CERT_HAS_EXPIRED'))).toBe('TLS_CERT_EXPIRED');
    expect(connectionErrorCode(e('ERR_TLS_CERT_ALTNAME_INVALID'))).toBe('TLS_NAME_MISMATCH');
    expect(connectionErrorCode(e(5, 'Connection refused: Not authorized'))).toBe('MQTT_AUTH_REFUSED');
    expect(connectionErrorCode(e(4, 'Connection refused: Bad username or password'))).toBe(
      'MQTT_AUTH_REFUSED',
    );
    expect(connectionErrorCode(e('ERR_SSL_WRONG_VERSION_NUMBER'))).toBe('TLS_HANDSHAKE');
    // Plain network failures are retried at the usual pace: no code.
    expect(connectionErrorCode(e('ECONNREFUSED', 'connect ECONNREFUSED'))).toBeUndefined();
    expect(connectionErrorCode(e('ECONNRESET'))).toBeUndefined();
    expect(connectionErrorCode(undefined)).toBeUndefined();
  });

  it('backs off by doubling, up to the cap', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => backoffDelay(n, 1_000, 60_000))).toEqual([
      2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000,
    ]);
    expect(backoffDelay(10_000, 1_000, 60_000)).toBe(60_000);
  });
});

describe('plaintext only when asked for', () => {
  it('allows loopback, refuses other addresses unless plaintext is set', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]']) expect(isLoopback(h)).toBe(true);
    for (const h of ['0.0.0.0', '10.0.0.5', '::', 'ingest.city.example']) expect(isLoopback(h)).toBe(false);
    expect(codeOf(() => assertPlaintextAllowed('The API', '0.0.0.0', false, 'http'))).toBe(
      'TLS_PLAINTEXT_REFUSED',
    );
    expect(codeOf(() => assertPlaintextAllowed('The API', '0.0.0.0', true, 'http'))).toBe('ok');
  });

  it("checks a gateway's MQTT URL and reads its TLS files", () => {
    const m = { url: 'mqtt://10.0.0.5:1884', ca: '', cert: '', key: '', plaintext: false };
    expect(codeOf(() => gatewayMqttOptions(m))).toBe('TLS_PLAINTEXT_REFUSED');
    expect(gatewayMqttOptions({ ...m, plaintext: true })).toEqual({});
    expect(gatewayMqttOptions({ ...m, url: 'mqtt://127.0.0.1:1884' })).toEqual({});
    expect(codeOf(() => gatewayMqttOptions({ ...m, url: 'mqtts://x:8883', ca: join(dir, 'none.pem') }))).toBe(
      'TLS_FILE_UNREADABLE',
    );
    writeFileSync(join(dir, 'ca.pem'), '-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n');
    writeFileSync(join(dir, 'junk.pem'), 'not pem');
    const o = gatewayMqttOptions({ ...m, url: 'mqtts://x:8883', ca: join(dir, 'ca.pem') });
    expect(o.rejectUnauthorized).toBe(true);
    expect(o.ca?.toString()).toContain('BEGIN CERTIFICATE');
    expect(codeOf(() => readTls({ ca: join(dir, 'junk.pem') }))).toBe('TLS_FILE_UNREADABLE');
    expect(codeOf(() => readTls({ cert: join(dir, 'ca.pem') }))).toBe('TLS_FILE_UNREADABLE'); // no key
  });

  it('gives rediss:// and https:// URLs the configured CA, plain URLs none', () => {
    setServiceTls('redis', { ca: join(dir, 'ca.pem') });
    expect(tlsForUrl('redis', 'rediss://r:6380')?.ca?.toString()).toContain('BEGIN CERTIFICATE');
    expect(tlsForUrl('redis', 'redis://r:6379')).toBeUndefined();
    expect(tlsForUrl('clickhouse', 'https://ch:8443')).toEqual({}); // TLS with the system CAs
    setServiceTls('redis', {});
    expect(tlsForUrl('redis', 'rediss://r:6380')).toEqual({});
  });
});
