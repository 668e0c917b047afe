/**
 * Offline verification of an evidence export (`xueliang verify-export FILE`): the archive is
 * read, every file's sha256 compared with the signed manifest, the signature checked with the
 * pinned key (or the manifest's own). Pure: bytes in, verdict out.
 */
import type { KeyObject } from 'node:crypto';
import { checkExport, MANIFEST_PATH } from '../../contracts/export.js';
import { XlError } from '../../contracts/errors.js';
import { readTar } from './ustar.js';

export type ExportVerdict = ReturnType<typeof checkExport>;

export function verifyExportArchive(archive: Uint8Array, pinned?: KeyObject): ExportVerdict {
  let entries: ReturnType<typeof readTar>;
  try {
    entries = readTar(archive);
  } catch (e) {
    if (!(e instanceof XlError)) throw e;
    return { ok: false, problems: [{ file: '(archive)', reason: e.message }], pinned: !!pinned };
  }
  const files = new Map<string, Uint8Array>();
  const problems: ExportVerdict['problems'] = [];
  for (const e of entries) {
    if (files.has(e.path)) problems.push({ file: e.path, reason: 'appears twice in the archive' });
    files.set(e.path, e.data);
  }
  const v = checkExport(files.get(MANIFEST_PATH), files, pinned);
  return { ...v, ok: v.ok && problems.length === 0, problems: [...problems, ...v.problems] };
}
