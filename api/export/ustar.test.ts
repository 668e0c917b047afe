import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { XlError } from '../../contracts/errors.js';
import { readTar, writeTar } from './ustar.js';

const entries = [
  { path: 'manifest.json', data: Buffer.from('{"a":1}\n'), mtimeS: 1000 },
  { path: 'snapshots/01J.jpg', data: Buffer.alloc(1500, 7), mtimeS: 1000 },
  { path: 'empty.json', data: Buffer.alloc(0), mtimeS: 1000 },
];

describe('ustar', () => {
  it('reads back what it writes, padded to 512-byte blocks', () => {
    const tar = writeTar(entries);
    expect(tar.length % 512).toBe(0);
    expect(readTar(tar).map((e) => [e.path, Buffer.from(e.data).toString('hex')])).toEqual(
      entries.map((e) => [e.path, e.data.toString('hex')]),
    );
  });

  it('is read by the system tar', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'xl-tar-')), 'x.tar');
    writeFileSync(file, writeTar(entries));
    expect(execFileSync('tar', ['-tf', file], { encoding: 'utf8' }).trim().split('\n')).toEqual(
      entries.map((e) => e.path),
    );
  });

  it('refuses a damaged header and a truncated archive with EXPORT_BAD_ARCHIVE', () => {
    const tar = writeTar(entries);
    const bad = Buffer.from(tar);
    bad[10] = bad[10]! ^ 0xff;
    expect(() => readTar(bad)).toThrow(XlError);
    expect(() => readTar(tar.subarray(0, 1024))).toThrow(/past the end|end-of-archive/);
  });
});
