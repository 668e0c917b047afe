import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSecret } from './secret-input.js';

describe('readSecret', () => {
  const dir = mkdtempSync(join(tmpdir(), 'xl-secret-'));
  const file = join(dir, 'key');
  writeFileSync(file, '  xl~member~abc  \nsecond line\n', { mode: 0o600 });

  it('prefers the flag, then the file (first line, trimmed), then the environment', () => {
    expect(readSecret({ flag: 'f', file, fileFlag: 'key-file', env: 'e' })).toBe('f');
    expect(readSecret({ file, fileFlag: 'key-file', env: 'e' })).toBe('xl~member~abc');
    expect(readSecret({ fileFlag: 'key-file', env: 'e' })).toBe('e');
    expect(readSecret({ fileFlag: 'key-file', env: '' })).toBeUndefined();
  });

  it('names the flag when the file is missing or empty', () => {
    expect(() => readSecret({ file: join(dir, 'absent'), fileFlag: 'key-file' })).toThrow(/--key-file/);
    writeFileSync(join(dir, 'empty'), '\n');
    expect(() => readSecret({ file: join(dir, 'empty'), fileFlag: 'key-file' })).toThrow(/empty/);
  });
});
