import { chmodSync, mkdirSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensurePrivateDir } from './private-dir.js';

describe('ensurePrivateDir', () => {
  it('creates the data folder 0700 whatever the umask, and narrows a wider one', () => {
    const root = mkdtempSync(join(tmpdir(), 'xl-private-'));
    const old = process.umask(0o022);
    try {
      const fresh = join(root, 'a', 'data');
      expect(ensurePrivateDir(fresh)).toBe(false);
      expect(statSync(fresh).mode & 0o777).toBe(0o700);
      const wide = join(root, 'wide');
      mkdirSync(wide);
      chmodSync(wide, 0o755);
      expect(ensurePrivateDir(wide)).toBe(true);
      expect(statSync(wide).mode & 0o777).toBe(0o700);
    } finally {
      process.umask(old);
    }
  });
});
