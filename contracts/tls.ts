/**
 * TLS for every link of a deployment (docs/deploy.md#tls): PEM files named in city.yaml and
 * gateway.yaml are read once into Node TLS options, TLS failures get codes of their own, and
 * the services the central tier reaches by URL (Redis `rediss://`, ClickHouse `https://`) find
 * their CA and client certificate here. Reading a file is the only I/O.
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { XlError } from './errors.js';

/** PEM file paths as the configs name them (empty: not set). */
export interface TlsFiles {
  /** CA bundle that verifies the other side. */
  ca?: string;
  /** This side's certificate chain. */
  cert?: string;
  /** This side's private key. */
  key?: string;
}

/** The PEM contents, ready for `tls.connect`, `tls.createServer`, mqtt.js, ioredis, fastify. */
export interface TlsPem {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

function readPem(path: string, what: string): Buffer {
  try {
    const pem = readFileSync(path);
    if (!pem.includes('-----BEGIN ')) throw new Error('not a PEM file');
    return pem;
  } catch (e) {
    throw new XlError('TLS_FILE_UNREADABLE', `cannot read the ${what} ${path}: ${(e as Error).message}`, {
      path,
    });
  }
}

/** Reads the files that are set; a missing or non-PEM file is `TLS_FILE_UNREADABLE`. */
export function readTls(f: TlsFiles): TlsPem {
  if (!!f.cert !== !!f.key)
    throw new XlError(
      'TLS_FILE_UNREADABLE',
      'a TLS certificate and its key go together: set both or neither',
    );
  return {
    ...(f.ca ? { ca: readPem(f.ca, 'CA file') } : {}),
    ...(f.cert ? { cert: readPem(f.cert, 'certificate') } : {}),
    ...(f.key ? { key: readPem(f.key, 'private key') } : {}),
  };
}

/** Is the address a loopback one (where a plaintext listener needs no explicit consent)? */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '');
  if (h === 'localhost' || h === '::1') return true;
  return isIP(h) === 4 && h.startsWith('127.');
}

/**
 * A plaintext listener on a non-loopback address only when the config asks for it
 * (`plaintext: true`): otherwise passwords, plates and snapshots would cross the network in clear.
 */
export function assertPlaintextAllowed(what: string, host: string, plaintext: boolean, flag: string): void {
  if (plaintext || isLoopback(host)) return;
  throw new XlError(
    'TLS_PLAINTEXT_REFUSED',
    `${what} would be in plaintext on ${host}: configure TLS (${flag} certificates, docs/deploy.md#tls) or set ${flag}.plaintext: true`,
    { host },
  );
}

/** gateway.yaml's mqtt section, as far as TLS goes. */
export interface GatewayMqttTls {
  url: string;
  ca: string;
  cert: string;
  key: string;
  plaintext: boolean;
}

/**
 * mqtt.js options for a gateway's connections: over `mqtts://` the server is verified against
 * `ca` (or the system CAs) and the client certificate is presented when set. An `mqtt://` URL to
 * a host other than loopback is `TLS_PLAINTEXT_REFUSED` unless `plaintext: true`.
 */
export function gatewayMqttOptions(m: GatewayMqttTls): TlsPem & { rejectUnauthorized?: boolean } {
  let u: URL;
  try {
    u = new URL(m.url);
  } catch {
    throw new XlError('TLS_PLAINTEXT_REFUSED', `mqtt.url is not a URL: ${m.url}`);
  }
  if (u.protocol === 'mqtt:' || u.protocol === 'tcp:' || u.protocol === 'ws:') {
    assertPlaintextAllowed(`the gateway's MQTT connection to ${m.url}`, u.hostname, m.plaintext, 'mqtt');
    if (m.cert) throw new XlError('TLS_PLAINTEXT_REFUSED', `mqtt.cert is set but ${m.url} is not mqtts://`);
    return {};
  }
  return { ...readTls({ ca: m.ca, cert: m.cert, key: m.key }), rejectUnauthorized: true };
}

/** Node's TLS error codes, grouped by what the operator must fix. */
const UNTRUSTED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
]);

/**
 * The coded error for a failed TLS (or MQTT CONNACK) connection, or undefined when the error
 * is a plain network one (refused, reset, timeout): those are retried at the usual pace.
 *   TLS_UNTRUSTED      the server's certificate is not signed by the configured CA
 *   TLS_CERT_EXPIRED   a certificate is expired or not yet valid
 *   TLS_NAME_MISMATCH  the certificate does not name the host connected to
 *   TLS_HANDSHAKE      the handshake failed otherwise (plaintext to a TLS port, a refused client certificate)
 *   MQTT_AUTH_REFUSED  the broker refused the login (CONNACK 4 or 5)
 */
export function connectionErrorCode(e: unknown): string | undefined {
  const err = e as { code?: unknown; message?: unknown } | undefined;
  const code = typeof err?.code === 'string' || typeof err?.code === 'number' ? String(err.code) : '';
  const msg = typeof err?.message === 'string' ? err.message : '';
  if (UNTRUSTED.has(code)) return 'TLS_UNTRUSTED';
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') return 'TLS_CERT_EXPIRED';
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return 'TLS_NAME_MISMATCH';
  if (code === '4' || code === '5' || /not authori[sz]ed|bad user ?name or password/i.test(msg))
    return 'MQTT_AUTH_REFUSED';
  if (code.startsWith('ERR_SSL_') || code === 'EPROTO' || /ssl|tls|certificate/i.test(msg))
    return 'TLS_HANDSHAKE';
  return undefined;
}

/** What each connection error code asks the operator to do (log lines and docs/errors.md). */
export const CONNECTION_HINTS: Readonly<Record<string, string>> = Object.freeze({
  TLS_UNTRUSTED:
    "the server's certificate is not signed by the CA in the config (mqtt.ca): check the CA file",
  TLS_CERT_EXPIRED:
    'a certificate is expired or not yet valid: renew it (xueliang deploy certs) or check the clock',
  TLS_NAME_MISMATCH:
    'the server certificate does not name this host: connect by a name or IP it lists (deploy certs --host/--ip)',
  TLS_HANDSHAKE:
    'TLS handshake failed: plaintext against a TLS port or the reverse, or the server refused the client certificate',
  MQTT_AUTH_REFUSED:
    'the broker refused the login: check the gateway id, its password or its client certificate',
});

/** Services reached by URL and the TLS files for them (city.yaml redis.tls, store.tls). */
const serviceTls = new Map<'redis' | 'clickhouse', TlsPem>();

/**
 * Sets the CA and client certificate used for `rediss://` or `https://` ClickHouse URLs in this
 * process (the composition roots call it once with city.yaml's files).
 */
export function setServiceTls(service: 'redis' | 'clickhouse', files: TlsFiles): void {
  const pem = readTls(files);
  if (pem.ca || pem.cert) serviceTls.set(service, pem);
  else serviceTls.delete(service);
}

/** TLS options for a service URL: set for `rediss://` and `https://` only. */
export function tlsForUrl(service: 'redis' | 'clickhouse', url: string): TlsPem | undefined {
  const secure = service === 'redis' ? url.startsWith('rediss://') : url.startsWith('https://');
  return secure ? (serviceTls.get(service) ?? {}) : undefined;
}
