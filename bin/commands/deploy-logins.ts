/**
 * Clear gateway passwords and API keys for a separate broker's password file (`deploy
 * mosquitto-acl`, `deploy emqx`): read once, each checked against its hash in city.yaml.
 */
import { readFileSync } from 'node:fs';
import type { CityConfig } from '../../contracts/config/index.js';
import { XlError } from '../../contracts/errors.js';
import { verifySecret } from '../../contracts/secrets.js';
import { UsageError } from '../cli.js';

/** Reads `gateway:password` lines (blank lines and `#` comments ignored). */
export function readPasswords(file: string): Map<string, string> {
  const out = new Map<string, string>();
  readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .forEach((line, i) => {
      if (!line.trim() || line.trimStart().startsWith('#')) return;
      const at = line.indexOf(':');
      if (at <= 0) throw new UsageError(`${file}:${i + 1}: expected gateway:password`);
      out.set(line.slice(0, at).trim(), line.slice(at + 1));
    });
  return out;
}

/** The given logins that match city.yaml: gateways (passwordHash) and API keys (hash). */
export function verifiedLogins(
  config: Readonly<CityConfig>,
  given: ReadonlyMap<string, string>,
): { gateways: Map<string, string>; keys: Map<string, string> } {
  const gateways = new Map<string, string>();
  for (const g of config.gateways) {
    const pw = given.get(g.id);
    if (pw === undefined) continue;
    if (!g.passwordHash || !verifySecret(pw, g.passwordHash)) {
      throw new XlError(
        'DEPLOY_PASSWORD_MISMATCH',
        `the password given for ${g.id} does not match its passwordHash in city.yaml`,
      );
    }
    gateways.set(g.id, pw);
  }
  // API keys given too: grid members' `tasks watch` logins (their key is the password).
  const keys = new Map<string, string>();
  for (const k of config.api.keys) {
    const key = given.get(k.id);
    if (key === undefined || gateways.has(k.id)) continue;
    if (!verifySecret(key, k.hash))
      throw new XlError(
        'DEPLOY_PASSWORD_MISMATCH',
        `the key given for ${k.id} does not match its hash in city.yaml`,
      );
    keys.set(k.id, key);
  }
  const unknown = [...given.keys()].filter((id) => !gateways.has(id) && !keys.has(id));
  if (unknown.length)
    throw new XlError(
      'DEPLOY_UNKNOWN_GATEWAY',
      `not gateways or API keys in city.yaml: ${unknown.join(', ')}`,
    );
  return { gateways, keys };
}
