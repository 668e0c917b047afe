/**
 * `xueliang deploy …`: files for production deployments. `deploy mosquitto-acl` writes the
 * password and ACL files of a separate Mosquitto broker from city.yaml.
 */
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { verifySecret } from '../../contracts/secrets.js';
import { loadCityConfig } from '../../contracts/config/index.js';
import { XlError } from '../../contracts/errors.js';
import { mosquittoAcl, mosquittoConf, mosquittoPasswd } from '../../ingest/mosquitto.js';
import { defineCommand, str, UsageError } from '../cli.js';
import type { CommandGroup } from '../main.js';

/** Reads `gateway:password` lines (blank lines and `#` comments ignored). */
function readPasswords(file: string): Map<string, string> {
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

const acl = defineCommand({
  name: 'deploy mosquitto-acl',
  summary: 'Write Mosquitto password and ACL files from city.yaml (gateways: own prefix only)',
  options: {
    config: { type: 'string', arg: 'FILE', description: 'city.yaml (required)' },
    out: {
      type: 'string',
      arg: 'DIR',
      description: 'Folder for `acl` and `passwd`',
      default: './deploy/mosquitto',
    },
    passwords: {
      type: 'string',
      arg: 'FILE',
      description:
        'Clear gateway passwords (`gateway:password` per line) and, for grid members, API keys (`keyId:key`); each is checked against its hash in city.yaml',
    },
  },
  details: [
    'city.yaml keeps only scrypt hashes, which Mosquitto cannot read, so the passwd file needs the',
    'clear passwords once (--passwords, e.g. from your secret store); they are hashed in Mosquitto 2',
    "format and never written in clear. The ingest user and password are city.yaml's mqtt.username",
    'and mqtt.password. Without --passwords only the ACL file is written. An API key given as',
    '`keyId:key` becomes a user that may read the task topics of the grids in its jurisdiction',
    '(`xueliang tasks watch --username keyId --password key`).',
    '',
    'In mosquitto.conf:  allow_anonymous false / password_file DIR/passwd / acl_file DIR/acl',
    '(or `include_dir DIR`: DIR/xueliang.conf sets those and the packet size and queue bounds)',
    '',
    'Example:',
    '  xueliang deploy mosquitto-acl --config city.yaml --passwords gateways.secret --out /etc/mosquitto/xueliang',
  ].join('\n'),
  async run({ values }) {
    const file = str(values, 'config');
    if (!file) throw new UsageError('--config FILE is required');
    const config = loadCityConfig(file, process.env);
    const ingestUser = config.mqtt.username || 'ingest';
    const dir = resolve(str(values, 'out') ?? './deploy/mosquitto');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'acl'), mosquittoAcl(config, ingestUser));
    writeFileSync(join(dir, 'xueliang.conf'), mosquittoConf(dir));
    const written = [join(dir, 'acl'), join(dir, 'xueliang.conf')];
    const pwFile = str(values, 'passwords');
    if (pwFile) {
      if (!config.mqtt.password)
        throw new UsageError('mqtt.password (the ingest user’s broker password) is empty in city.yaml');
      const given = readPasswords(pwFile);
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
      const passwd = join(dir, 'passwd');
      writeFileSync(
        passwd,
        mosquittoPasswd({ ingestUser, ingestPassword: config.mqtt.password, gateways, keys }),
        { mode: 0o600 },
      );
      chmodSync(passwd, 0o600);
      written.push(passwd);
      const missing = config.gateways.filter((g) => !gateways.has(g.id)).map((g) => g.id);
      if (missing.length)
        process.stderr.write(`warning: no password given for ${missing.join(', ')}: they cannot log in\n`);
    }
    process.stdout.write(`wrote ${written.join(', ')}\n`);
    return 0;
  },
});

const group: CommandGroup = {
  name: 'deploy',
  summary: 'Files for production deployments',
  subcommands: [acl],
};
export default group;
