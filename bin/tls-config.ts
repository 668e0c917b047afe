/**
 * TLS from city.yaml for the central tier's processes (docs/deploy.md#tls): the embedded MQTT
 * endpoint's listeners, ingest's connection to a broker, and the CA of `rediss://` and
 * `https://` service URLs. `bin/stack.ts` applies it where it composes each part.
 */
import { hostname } from 'node:os';
import type { CityConfig } from '../contracts/config/index.js';
import { assertPlaintextAllowed, readTls, setServiceTls } from '../contracts/tls.js';
import type { IngestMqtt } from '../ingest/receiver.js';

/** Makes the CAs of city.yaml redis.tls and store.tls those of this process's service URLs. */
export function applyServiceTls(c: Readonly<CityConfig>): void {
  setServiceTls('redis', c.redis.tls);
  setServiceTls('clickhouse', c.store.tls);
}

/**
 * The TLS part of ingest's MQTT side. Embedded: a TLS listener when mqtt.tls.cert is set (and
 * the plaintext one only with mqtt.plaintext); no certificate: plaintext, which a non-loopback
 * host must ask for (`TLS_PLAINTEXT_REFUSED`). Broker: the broker's CA, ingest's client
 * certificate and client id.
 */
export function withMqttTls(c: Readonly<CityConfig>, side: IngestMqtt): IngestMqtt {
  applyServiceTls(c);
  const t = c.mqtt.tls;
  if (side.mode === 'broker') {
    const pem = readTls(t);
    return {
      ...side,
      ...(pem.ca || pem.cert ? { tls: pem } : {}),
      ...(c.mqtt.clientId ? { clientId: c.mqtt.clientId } : {}),
    };
  }
  if (!t.cert) {
    assertPlaintextAllowed('The MQTT endpoint', side.host, c.mqtt.plaintext, 'mqtt');
    return side;
  }
  return {
    ...side,
    tls: { port: t.port, pem: readTls(t), clientCerts: t.ca ? t.clientCerts : 'off' },
    ...(c.mqtt.plaintext ? { plaintext: true } : {}),
  };
}

/** `https` when http.tls names a certificate; plain HTTP on a non-loopback host must be asked for. */
export function httpScheme(c: Readonly<CityConfig>): 'http' | 'https' {
  if (c.http.tls.cert) return 'https';
  assertPlaintextAllowed('The HTTP API', c.http.host, c.http.plaintext, 'http');
  return 'http';
}

/** This host's name, for the server certificate's default names (`deploy certs`). */
export const thisHost = (): string => hostname();
