import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ADMIN_KEY_FILE, ensureAdminKey } from './admin-key.js';
import { verifySecret } from '../contracts/secrets.js';

describe('ensureAdminKey', () => {
  it('creates a 0600 key file once, then reads the same key back', () => {
    const dir = mkdtempSync(join(tmpdir(), 'xl-admin-'));
    const first = ensureAdminKey(dir, 'hz');
    expect(first.created).toBe(true);
    expect(first.key).toMatch(/^xl~admin~[A-Za-z0-9_-]{40,}$/);
    expect(statSync(join(dir, ADMIN_KEY_FILE)).mode & 0o777).toBe(0o600);
    expect(first.record).toMatchObject({ keyId: 'admin', role: 'admin', org: 'hz' });
    expect(verifySecret(first.key, first.record.hash)).toBe(true);
    const again = ensureAdminKey(dir, 'hz');
    expect(again).toMatchObject({ key: first.key, created: false });
  });
  it('refuses a file that holds no key', () => {
    const dir = mkdtempSync(join(tmpdir(), 'xl-admin-'));
    writeFileSync(join(dir, ADMIN_KEY_FILE), 'hello\n');
    expect(() => ensureAdminKey(dir, 'hz')).toThrow(expect.objectContaining({ code: 'API_ADMIN_KEY_BAD' }));
  });
});
