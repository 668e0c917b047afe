/**
 * The city's keys and the data folder (docs/privacy.md): the audit MAC keyring and the
 * Ed25519 signing key live as 0600 files in the data folder (or where city.yaml `privacy`
 * says), never in the store. Created on first start; the data folder itself is created 0700.
 */
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
} from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { AuditKeyring } from '../analytics/audit-mac.js';
import type { CityConfig } from '../contracts/config/city.js';
import { XlError } from '../contracts/errors.js';

export const AUDIT_KEYS_FILE = 'audit-keys.json';
export const SIGNING_KEY_FILE = 'city-signing-key.pem';
export const CHECKPOINT_FILE = 'audit-checkpoints.jsonl';

/**
 * Creates the data folder 0700 (and its parents as needed). An existing folder is left as it
 * is: its owner chose its mode.
 */
export function ensureDataDir(dir: string): void {
  if (existsSync(dir)) return;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700); // the process umask may have masked the mode
}

/** Keeps a secret file private: 0600, tightened when it is wider. */
function privateFile(file: string): void {
  if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
}

function writePrivate(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, text, { mode: 0o600 });
  renameSync(tmp, file);
}

interface KeyringFile {
  v: 1;
  current: string;
  keys: Record<string, { secret: string; createdMs: number }>;
}

function parseKeyring(file: string): KeyringFile {
  try {
    const k = JSON.parse(readFileSync(file, 'utf8')) as KeyringFile;
    if (k.v !== 1 || !k.keys[k.current]) throw new Error('no current key');
    return k;
  } catch (e) {
    throw new XlError('API_KEY_FILE_BAD', `${file} is not an audit keyring: ${(e as Error).message}`, {
      file,
    });
  }
}

function toKeyring(k: KeyringFile): AuditKeyring {
  return {
    current: k.current,
    keys: new Map(Object.entries(k.keys).map(([id, v]) => [id, Buffer.from(v.secret, 'base64')])),
  };
}

/** The audit MAC keyring in `file`, created with one 256-bit key when absent. */
export function loadAuditKeyring(file: string, nowMs: number): AuditKeyring {
  if (!existsSync(file)) {
    const k: KeyringFile = {
      v: 1,
      current: 'k1',
      keys: { k1: { secret: randomBytes(32).toString('base64'), createdMs: nowMs } },
    };
    writePrivate(file, `${JSON.stringify(k, null, 2)}\n`);
  }
  privateFile(file);
  return toKeyring(parseKeyring(file));
}

/**
 * Adds a new key and makes it current; old keys stay (their rows still verify). Returns the
 * new key id. Running processes keep their key until restarted.
 */
export function rotateAuditKey(file: string, nowMs: number): string {
  const k = existsSync(file) ? parseKeyring(file) : { v: 1 as const, current: '', keys: {} };
  const n = Math.max(0, ...Object.keys(k.keys).map((id) => Number(/^k(\d+)$/.exec(id)?.[1] ?? 0))) + 1;
  const id = `k${n}`;
  k.keys[id] = { secret: randomBytes(32).toString('base64'), createdMs: nowMs };
  k.current = id;
  writePrivate(file, `${JSON.stringify(k, null, 2)}\n`);
  return id;
}

export interface SigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
}

/** The city's Ed25519 key in `file` (PKCS#8 PEM), created when absent. */
export function loadSigningKey(file: string): SigningKey {
  if (!existsSync(file)) {
    const { privateKey } = generateKeyPairSync('ed25519');
    writePrivate(file, privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
  }
  privateFile(file);
  try {
    const privateKey = createPrivateKey(readFileSync(file));
    if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error(`a ${privateKey.asymmetricKeyType} key`);
    return { privateKey, publicKey: createPublicKey(privateKey) };
  } catch (e) {
    throw new XlError('API_KEY_FILE_BAD', `${file} is not an Ed25519 private key: ${(e as Error).message}`, {
      file,
    });
  }
}

export interface CityKeys {
  keyring: AuditKeyring;
  signing: SigningKey;
  /** Where signed audit checkpoints are appended; undefined: not kept (tests). */
  checkpointFile: string | undefined;
}

/** The keys' paths: city.yaml `privacy`, else files in the data folder. */
export function keyPaths(
  config: { privacy: Pick<CityConfig['privacy'], 'auditKeyFile' | 'signingKeyFile' | 'checkpointFile'> },
  dataDir: string,
) {
  const p = config.privacy;
  return {
    auditKeyFile: p.auditKeyFile || join(dataDir, AUDIT_KEYS_FILE),
    signingKeyFile: p.signingKeyFile || join(dataDir, SIGNING_KEY_FILE),
    checkpointFile: p.checkpointFile || join(dataDir, CHECKPOINT_FILE),
  };
}

/** Loads (creating when absent) the city's keys for a process with a data folder. */
export function openCityKeys(config: Pick<CityConfig, 'privacy'>, dataDir: string, nowMs: number): CityKeys {
  const p = keyPaths(config, dataDir);
  return {
    keyring: loadAuditKeyring(p.auditKeyFile, nowMs),
    signing: loadSigningKey(p.signingKeyFile),
    checkpointFile: p.checkpointFile,
  };
}

/** Keys that live only in memory (tests and apps without a data folder). */
export function ephemeralCityKeys(): CityKeys {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    keyring: { current: 'k1', keys: new Map([['k1', randomBytes(32)]]) },
    signing: { privateKey, publicKey },
    checkpointFile: undefined,
  };
}
