/**
 * A city's certificates with Debian's `openssl` (docs/deploy.md#tls): a city CA, a server
 * certificate for the central tier (its names and IPs as subject alternative names) and one
 * client certificate per gateway (CN = gateway id, which the MQTT endpoint maps to the
 * gateway). Keys are EC P-256, written 0600; an existing CA in the folder is reused, so adding a
 * gateway later keeps every issued certificate valid.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { XlError } from '../contracts/errors.js';

export interface CertPlan {
  /** City id: the CA's name. */
  city: string;
  /** DNS names of the server certificate. */
  hosts: readonly string[];
  /** IP addresses of the server certificate. */
  ips: readonly string[];
  /** Gateway ids: one client certificate each. */
  gateways: readonly string[];
  /** Validity of the server and client certificates, days (negative: already expired, tests). */
  days: number;
  /** Validity of a new CA, days. */
  caDays: number;
}

export interface CertFiles {
  ca: string;
  caKey: string;
  server: { cert: string; key: string };
  gateways: Record<string, { cert: string; key: string }>;
}

function openssl(args: string[]): void {
  try {
    execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (e) {
    const err = e as { code?: string; stderr?: Buffer };
    if (err.code === 'ENOENT')
      throw new XlError('DEPLOY_NO_OPENSSL', 'openssl is not installed (Debian: apt-get install openssl)');
    throw new XlError('DEPLOY_CERT_FAILED', `openssl ${args[0]} failed: ${err.stderr?.toString().trim()}`);
  }
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

/** A certificate signed by the CA: `usage` sets its extended key usage. */
export function issue(
  dir: string,
  name: string,
  ca: { cert: string; key: string },
  o: { cn: string; san: readonly string[]; usage: 'serverAuth' | 'clientAuth'; days: number },
): { cert: string; key: string } {
  const key = join(dir, `${name}.key`);
  const cert = join(dir, `${name}.crt`);
  const csr = join(dir, `${name}.csr`);
  const ext = join(dir, `${name}.ext`);
  openssl(['req', '-new', ...EC, '-keyout', key, '-out', csr, '-subj', `/CN=${o.cn}`]);
  chmodSync(key, 0o600);
  writeFileSync(
    ext,
    [
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      `extendedKeyUsage=${o.usage}`,
      ...(o.san.length ? [`subjectAltName=${o.san.join(',')}`] : []),
      '',
    ].join('\n'),
  );
  try {
    openssl([
      'x509',
      '-req',
      '-in',
      csr,
      '-CA',
      ca.cert,
      '-CAkey',
      ca.key,
      '-set_serial',
      `0x${randomBytes(16).toString('hex')}`,
      '-days',
      String(o.days),
      '-sha256',
      '-extfile',
      ext,
      '-out',
      cert,
    ]);
  } finally {
    rmSync(csr, { force: true });
    rmSync(ext, { force: true });
  }
  chmodSync(cert, 0o644);
  return { cert, key };
}

/** The CA in `dir` (made when absent). */
export function cityCa(dir: string, city: string, days: number): { cert: string; key: string } {
  const cert = join(dir, 'ca.crt');
  const key = join(dir, 'ca.key');
  if (existsSync(cert) && existsSync(key)) return { cert, key };
  openssl([
    'req',
    '-x509',
    ...EC,
    '-keyout',
    key,
    '-out',
    cert,
    '-days',
    String(days),
    '-sha256',
    '-subj',
    `/CN=Xueliang ${city} CA`,
    '-addext',
    'basicConstraints=critical,CA:TRUE,pathlen:0',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  chmodSync(key, 0o600);
  chmodSync(cert, 0o644);
  return { cert, key };
}

/** A DNS name or IP fit for a certificate (no spaces, commas or slashes that would break openssl's syntax). */
const NAME = /^[A-Za-z0-9*.:_-]+$/;

export function makeCityCerts(out: string, p: CertPlan): CertFiles {
  for (const n of [...p.hosts, ...p.ips, ...p.gateways, p.city])
    if (!NAME.test(n)) throw new XlError('DEPLOY_CERT_FAILED', `not a name a certificate can carry: '${n}'`);
  mkdirSync(out, { recursive: true, mode: 0o700 });
  const ca = cityCa(out, p.city, p.caDays);
  const server = issue(out, 'server', ca, {
    cn: p.hosts[0] ?? p.ips[0] ?? 'xueliang',
    san: [...p.hosts.map((h) => `DNS:${h}`), ...p.ips.map((ip) => `IP:${ip}`)],
    usage: 'serverAuth',
    days: p.days,
  });
  const gwDir = join(out, 'gateways');
  mkdirSync(gwDir, { recursive: true, mode: 0o700 });
  const gateways: CertFiles['gateways'] = {};
  for (const id of p.gateways)
    gateways[id] = issue(gwDir, id, ca, { cn: id, san: [], usage: 'clientAuth', days: p.days });
  return { ca: ca.cert, caKey: ca.key, server, gateways };
}
