/**
 * The evidence-export format, v1 (docs/privacy.md, "Evidence export"): a ustar archive whose
 * `manifest.json` lists every other file with its sha256 and size, signed with the city's
 * Ed25519 key (contracts/signed.ts) and carrying the public key, so a court or a reviewer can
 * check offline (`xueliang verify-export FILE`) that nothing was added, removed or altered.
 */
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { keyFingerprint, type Signed, verifyDoc } from './signed.js';

export const MANIFEST_PATH = 'manifest.json';

export interface ExportFile {
  path: string;
  sha256: string;
  bytes: number;
}

export interface ExportManifest {
  v: 1;
  kind: 'evidence-export';
  exportId: string;
  city: string;
  caseId: string;
  /** Who exported (API key or JWT subject) and when. */
  exportedBy: string;
  createdMs: number;
  hits: number;
  snapshots: number;
  files: ExportFile[];
  /** The signer's public key (SPKI PEM); pin it with `verify-export --public-key`. */
  publicKey: string;
}

export const sha256Hex = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

export interface ExportProblem {
  file: string;
  reason: string;
}

/**
 * Checks an export's files against its signed manifest. `pinned`: the key the verifier
 * trusts; without it the manifest's own key is used (and the result says so). Pure.
 */
export function checkExport(
  manifestBytes: Uint8Array | undefined,
  files: ReadonlyMap<string, Uint8Array>,
  pinned?: KeyObject,
): {
  ok: boolean;
  problems: ExportProblem[];
  manifest?: Signed<ExportManifest>;
  signer?: string;
  pinned: boolean;
} {
  const problems: ExportProblem[] = [];
  if (!manifestBytes)
    return { ok: false, problems: [{ file: MANIFEST_PATH, reason: 'missing' }], pinned: false };
  let m: Signed<ExportManifest>;
  try {
    m = JSON.parse(Buffer.from(manifestBytes).toString('utf8')) as Signed<ExportManifest>;
    if (m.v !== 1 || m.kind !== 'evidence-export' || !Array.isArray(m.files))
      throw new Error('not an evidence-export manifest v1');
  } catch (e) {
    return { ok: false, problems: [{ file: MANIFEST_PATH, reason: (e as Error).message }], pinned: false };
  }
  let key: KeyObject | undefined = pinned;
  if (!key) {
    try {
      key = createPublicKey(m.publicKey);
    } catch {
      problems.push({ file: MANIFEST_PATH, reason: 'publicKey is not a public key' });
    }
  }
  if (key && !verifyDoc(m, key))
    problems.push({
      file: MANIFEST_PATH,
      reason: pinned ? 'signature does not verify with the pinned key' : 'signature does not verify',
    });
  const listed = new Set<string>();
  for (const f of m.files) {
    listed.add(f.path);
    const data = files.get(f.path);
    if (!data) problems.push({ file: f.path, reason: 'listed in the manifest but missing' });
    else if (data.byteLength !== f.bytes || sha256Hex(data) !== f.sha256)
      problems.push({
        file: f.path,
        reason: `sha256 ${sha256Hex(data)} (${data.byteLength} bytes) differs from the manifest's ${f.sha256} (${f.bytes} bytes)`,
      });
  }
  for (const p of files.keys())
    if (p !== MANIFEST_PATH && !listed.has(p))
      problems.push({ file: p, reason: 'not in the manifest (added)' });
  return {
    ok: problems.length === 0,
    problems,
    manifest: m,
    ...(key ? { signer: keyFingerprint(key) } : {}),
    pinned: !!pinned,
  };
}
