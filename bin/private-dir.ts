/**
 * The data folder holds ClickHouse parts (plates, audit rows), the Redis AOF and keys: only its
 * owner may read it (docs/security.md). It is created 0700 whatever the umask, and an existing
 * folder readable by others is narrowed to 0700. Adapter: touches the disk.
 */
import { chmodSync, mkdirSync, statSync } from 'node:fs';

/** Creates `dir` (and parents) if needed and makes it 0700; returns whether it had to narrow it. */
export function ensurePrivateDir(dir: string): boolean {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const wide = (statSync(dir).mode & 0o077) !== 0;
  if (wide) chmodSync(dir, 0o700);
  return wide;
}
