/**
 * The first-start admin key of `xueliang up`: `<data>/admin-api-key` (mode 0600) holds the key;
 * it is created when absent and read back on later starts. Only its scrypt hash lives in memory
 * beyond this call.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { apiKeyId } from '../contracts/api-key.js';
import { XlError } from '../contracts/errors.js';
import type { KeyRecord } from './auth.js';
import { hashSecret, newApiKey } from '../contracts/secrets.js';

export const ADMIN_KEY_FILE = 'admin-api-key';

export function ensureAdminKey(
  dataDir: string,
  rootOrgId: string,
): { key: string; created: boolean; record: KeyRecord } {
  const file = join(dataDir, ADMIN_KEY_FILE);
  let key: string;
  let created = false;
  if (existsSync(file)) {
    key = readFileSync(file, 'utf8').trim();
    if (!/^xl_[A-Za-z0-9_-]{20,}$/.test(key) && apiKeyId(key) !== 'admin')
      throw new XlError('API_ADMIN_KEY_BAD', `${file} does not hold an API key; delete it to make a new one`);
    if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  } else {
    mkdirSync(dataDir, { recursive: true });
    key = newApiKey('admin');
    writeFileSync(file, `${key}\n`, { mode: 0o600, flag: 'wx' });
    created = true;
  }
  return { key, created, record: { keyId: 'admin', hash: hashSecret(key), role: 'admin', org: rootOrgId } };
}
