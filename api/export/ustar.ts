/**
 * A plain POSIX ustar writer and reader for evidence exports (docs/privacy.md): regular files
 * only, names up to 100 bytes, sizes under 8 GiB, header checksums checked on read. Any
 * `tar` reads what it writes (`tar -tvf export.tar`). Pure: bytes in, bytes out.
 */
import { XlError } from '../../contracts/errors.js';

export interface TarEntry {
  path: string;
  data: Uint8Array;
  /** Modification time, epoch seconds. */
  mtimeS: number;
}

const BLOCK = 512;

function octal(v: number, width: number): string {
  return `${v.toString(8).padStart(width - 1, '0')}\0`;
}

function header(e: TarEntry): Buffer {
  const h = Buffer.alloc(BLOCK, 0);
  const name = Buffer.from(e.path, 'utf8');
  if (name.length > 100) throw new XlError('EXPORT_BAD_ARCHIVE', `tar name over 100 bytes: ${e.path}`);
  name.copy(h, 0);
  h.write(octal(0o644, 8), 100, 'ascii');
  h.write(octal(0, 8), 108, 'ascii');
  h.write(octal(0, 8), 116, 'ascii');
  h.write(octal(e.data.byteLength, 12), 124, 'ascii');
  h.write(octal(Math.floor(e.mtimeS), 12), 136, 'ascii');
  h.write('        ', 148, 'ascii'); // checksum field counts as spaces while summing
  h.write('0', 156, 'ascii'); // regular file
  h.write('ustar\0', 257, 'ascii');
  h.write('00', 263, 'ascii');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return h;
}

/** The archive: each entry's header and data padded to 512 bytes, then two zero blocks. */
export function writeTar(entries: readonly TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    parts.push(header(e), Buffer.from(e.data.buffer, e.data.byteOffset, e.data.byteLength));
    const pad = (BLOCK - (e.data.byteLength % BLOCK)) % BLOCK;
    if (pad) parts.push(Buffer.alloc(pad));
  }
  parts.push(Buffer.alloc(2 * BLOCK));
  return Buffer.concat(parts);
}

function field(h: Buffer, off: number, len: number): string {
  const s = h.subarray(off, off + len).toString('utf8');
  const z = s.indexOf('\0');
  return (z >= 0 ? s.slice(0, z) : s).trim();
}

/** The regular files of an archive, in order. EXPORT_BAD_ARCHIVE when it is not ustar. */
export function readTar(buf: Uint8Array): TarEntry[] {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const out: TarEntry[] = [];
  let off = 0;
  while (off + BLOCK <= b.length) {
    const h = b.subarray(off, off + BLOCK);
    if (h.every((x) => x === 0)) return out;
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : h[i]!;
    if (Number.parseInt(field(h, 148, 8), 8) !== sum)
      throw new XlError('EXPORT_BAD_ARCHIVE', `tar header at byte ${off}: checksum mismatch`);
    const size = Number.parseInt(field(h, 124, 12), 8);
    const type = field(h, 156, 1) || '0';
    const path = field(h, 0, 100);
    if (!Number.isFinite(size) || off + BLOCK + size > b.length)
      throw new XlError('EXPORT_BAD_ARCHIVE', `tar entry ${path}: size runs past the end`);
    if (type === '0')
      out.push({
        path,
        data: b.subarray(off + BLOCK, off + BLOCK + size),
        mtimeS: Number.parseInt(field(h, 136, 12), 8),
      });
    off += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
  }
  throw new XlError('EXPORT_BAD_ARCHIVE', 'tar archive has no end-of-archive blocks (truncated)');
}
