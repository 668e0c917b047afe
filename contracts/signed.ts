/**
 * Signed documents of the city (docs/privacy.md): audit checkpoints and evidence-export
 * manifests are JSON objects signed with the city's Ed25519 key over their canonical JSON
 * (keys sorted, no spaces) without the `sig` field. `signer` names the key: the first 16
 * hex digits of the SHA-256 of its public key (SPKI DER). Pure (node:crypto only).
 */
import { createHash, type KeyObject, sign, verify } from 'node:crypto';

/** JSON with object keys sorted at every level: one byte string per value. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

/** The short id of a public key. */
export function keyFingerprint(publicKey: KeyObject): string {
  return createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex')
    .slice(0, 16);
}

export type Signed<T> = T & { signer: string; sig: string };

/** Signs `doc` (without sig/signer) with the city's private key. */
export function signDoc<T extends object>(doc: T, privateKey: KeyObject, publicKey: KeyObject): Signed<T> {
  const body = { ...doc, signer: keyFingerprint(publicKey) };
  const sig = sign(null, Buffer.from(canonicalJson(body)), privateKey).toString('base64');
  return { ...body, sig };
}

/** True when `doc.sig` is the signature of the rest of `doc` by `publicKey`. */
export function verifyDoc(doc: { sig?: unknown; signer?: unknown }, publicKey: KeyObject): boolean {
  if (typeof doc.sig !== 'string' || doc.signer !== keyFingerprint(publicKey)) return false;
  const { sig, ...body } = doc;
  try {
    return verify(null, Buffer.from(canonicalJson(body)), publicKey, Buffer.from(sig, 'base64'));
  } catch {
    return false;
  }
}

/** A signed audit checkpoint: one chain's head as its writer saw it. */
export interface AuditCheckpoint {
  v: 1;
  kind: 'audit-checkpoint';
  chain: string;
  seq: number;
  hash: string;
  tsMs: number;
}
