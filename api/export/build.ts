/**
 * Builds an evidence export (docs/privacy.md): the chosen hits, their snapshots (as stored:
 * blurred at the edge), the case and its audit excerpt, and a manifest of sha256 sums signed
 * with the city's key, in one ustar archive. Pure: everything it packs is passed in.
 */
import type { Case } from '../../analytics/cases.js';
import { type ExportManifest, MANIFEST_PATH, sha256Hex } from '../../contracts/export.js';
import type { Hit } from '../../contracts/hit.js';
import { signDoc } from '../../contracts/signed.js';
import type { SigningKey } from '../city-keys.js';
import { type TarEntry, writeTar } from './ustar.js';

export interface ExportInput {
  exportId: string;
  city: string;
  caseRecord: Case;
  hits: readonly Hit[];
  /** Snapshot JPEGs by snapshot id. */
  snapshots: ReadonlyMap<string, Uint8Array>;
  /** The case's audit rows as stored (audit_case.sql). */
  auditRows: ReadonlyArray<Record<string, unknown>>;
  exportedBy: string;
  nowMs: number;
  signing: SigningKey;
}

export interface BuiltExport {
  archive: Buffer;
  manifest: ExportManifest & { signer: string; sig: string };
  /** sha256 of manifest.json as written in the archive (what the audit row records). */
  manifestSha256: string;
}

const json = (v: unknown): Buffer => Buffer.from(`${JSON.stringify(v, null, 2)}\n`);

export function buildExport(i: ExportInput): BuiltExport {
  const mtimeS = Math.floor(i.nowMs / 1000);
  const files: TarEntry[] = [
    { path: 'case.json', data: json(i.caseRecord), mtimeS },
    { path: 'hits.json', data: json(i.hits), mtimeS },
    { path: 'audit.json', data: json(i.auditRows), mtimeS },
  ];
  for (const [id, jpeg] of [...i.snapshots].sort(([a], [b]) => a.localeCompare(b)))
    files.push({ path: `snapshots/${id}.jpg`, data: jpeg, mtimeS });
  const manifest = signDoc<ExportManifest>(
    {
      v: 1,
      kind: 'evidence-export',
      exportId: i.exportId,
      city: i.city,
      caseId: i.caseRecord.id,
      exportedBy: i.exportedBy,
      createdMs: i.nowMs,
      hits: i.hits.length,
      snapshots: i.snapshots.size,
      files: files.map((f) => ({ path: f.path, sha256: sha256Hex(f.data), bytes: f.data.byteLength })),
      publicKey: i.signing.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    },
    i.signing.privateKey,
    i.signing.publicKey,
  );
  const manifestBytes = json(manifest);
  const archive = writeTar([{ path: MANIFEST_PATH, data: manifestBytes, mtimeS }, ...files]);
  return { archive, manifest, manifestSha256: sha256Hex(manifestBytes) };
}
