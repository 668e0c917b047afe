/**
 * `xueliang deploy emqx`: EMQX 5 authentication (built-in database bootstrap) and ACL files
 * from city.yaml (ingest/emqx.ts); deploy/emqx/emqx.conf reads them.
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadCityConfig } from '../../contracts/config/index.js';
import { emqxAcl, emqxUsersCsv } from '../../ingest/emqx.js';
import { defineCommand, str, UsageError } from '../cli.js';
import { readPasswords, verifiedLogins } from './deploy-logins.js';

export default defineCommand({
  name: 'deploy emqx',
  summary: 'Write EMQX authentication and ACL files from city.yaml (gateways: own prefix only)',
  options: {
    config: { type: 'string', arg: 'FILE', description: 'city.yaml (required)' },
    out: {
      type: 'string',
      arg: 'DIR',
      description: 'Folder for `acl.conf` and `users.csv`',
      default: './deploy/emqx',
    },
    passwords: {
      type: 'string',
      arg: 'FILE',
      description: 'Clear gateway passwords and API keys (`id:secret` per line), checked against city.yaml',
    },
  },
  details: [
    'acl.conf is for the file authorizer; users.csv (mode 0600) bootstraps the built-in database',
    'authenticator (bootstrap_type = hash, PBKDF2-SHA512 — see deploy/emqx/emqx.conf). The ingest',
    "user is city.yaml's mqtt.username (default ingest) with mqtt.password. Gateways with a client",
    'certificate need no row: the TLS listener takes the username from the certificate CN.',
    '',
    'Example:',
    '  xueliang deploy emqx --config city.yaml --passwords gateways.secret --out /opt/emqx/etc/xueliang',
  ].join('\n'),
  async run({ values }) {
    const file = str(values, 'config');
    if (!file) throw new UsageError('--config FILE is required');
    const config = loadCityConfig(file, process.env);
    const ingestUser = config.mqtt.username || 'ingest';
    const dir = resolve(str(values, 'out') ?? './deploy/emqx');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'acl.conf'), emqxAcl(config, ingestUser));
    const written = [join(dir, 'acl.conf')];
    const pwFile = str(values, 'passwords');
    if (pwFile) {
      if (!config.mqtt.password)
        throw new UsageError('mqtt.password (the ingest user’s broker password) is empty in city.yaml');
      const { gateways, keys } = verifiedLogins(config, readPasswords(pwFile));
      const users = new Map<string, string>([[ingestUser, config.mqtt.password], ...gateways, ...keys]);
      const csv = join(dir, 'users.csv');
      writeFileSync(csv, emqxUsersCsv(users), { mode: 0o600 });
      chmodSync(csv, 0o600);
      written.push(`${csv} (0600: give it to the user EMQX runs as)`);
    }
    process.stdout.write(`wrote ${written.join(', ')}\n`);
    return 0;
  },
});
