/**
 * Secrets for command-line clients without putting them on the command line, where `ps` and
 * shell history show them (docs/security.md): a flag, else a file named by a flag (first line;
 * the file should be 0600), else an environment variable. Adapter: reads the disk.
 */
import { readFileSync } from 'node:fs';
import { UsageError } from './cli.js';

export interface SecretSources {
  /** The value of a `--secret` flag (discouraged: visible in `ps`). */
  flag?: string | undefined;
  /** The value of a `--secret-file` flag. */
  file?: string | undefined;
  /** The name of the `--secret-file` flag, for messages. */
  fileFlag: string;
  /** The environment variable's value. */
  env?: string | undefined;
}

export function readSecret(s: SecretSources): string | undefined {
  if (s.flag) return s.flag;
  if (s.file) {
    let text: string;
    try {
      text = readFileSync(s.file, 'utf8');
    } catch (e) {
      throw new UsageError(
        `--${s.fileFlag}: cannot read ${s.file} (${(e as NodeJS.ErrnoException).code ?? 'error'})`,
      );
    }
    const line = text.split(/\r?\n/)[0]?.trim() ?? '';
    if (!line) throw new UsageError(`--${s.fileFlag}: ${s.file} is empty`);
    return line;
  }
  return s.env || undefined;
}
