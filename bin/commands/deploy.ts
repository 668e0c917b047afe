/**
 * `xueliang deploy …`: files for production deployments. `deploy mosquitto-acl` writes the
 * password and ACL files of a separate Mosquitto broker from city.yaml.
 */
import { chmodSync, chownSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadCityConfig } from '../../contracts/config/index.js';
import { mosquittoAcl, mosquittoConf, mosquittoPasswd } from '../../ingest/mosquitto.js';
import { defineCommand, str, UsageError } from '../cli.js';
import type { CommandGroup } from '../main.js';
import certs from './deploy-certs.js';
import { readPasswords, verifiedLogins } from './deploy-logins.js';
import emqx from './deploy-emqx.js';

/** uid and gid of `user[:group]` from /etc/passwd and /etc/group, or undefined when unknown. */
export function lookupOwner(spec: string, etc = '/etc'): { uid: number; gid: number } | undefined {
  const [user, group] = spec.split(':');
  const field = (file: string, name: string | undefined, col: number) => {
    if (!name) return undefined;
    if (/^\d+$/.test(name)) return Number(name);
    const row = readFileSync(join(etc, file), 'utf8')
      .split('\n')
      .map((l) => l.split(':'))
      .find((f) => f[0] === name);
    return row ? Number(row[col]) : undefined;
  };
  const uid = field('passwd', user, 2);
  if (uid === undefined) return undefined;
  const gid = group ? field('group', group, 2) : field('passwd', user, 3);
  return gid === undefined ? undefined : { uid, gid };
}

/**
 * Who gets the passwd file: `--owner`, else `mosquitto` when that user exists and this runs as
 * root (Mosquitto 2 drops to it and must read the file), else nobody (the file stays ours).
 */
function passwdOwner(given: string | undefined): { spec: string; uid: number; gid: number } | undefined {
  if (given) {
    const o = lookupOwner(given);
    if (!o) throw new UsageError(`--owner ${given}: no such user or group on this host`);
    return { spec: given, ...o };
  }
  if (process.getuid?.() !== 0) return undefined;
  const o = lookupOwner('mosquitto');
  return o ? { spec: 'mosquitto', ...o } : undefined;
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
    owner: {
      type: 'string',
      arg: 'USER[:GROUP]',
      description:
        'Owner of the passwd file (mode 0600); default: mosquitto when that user exists and this runs as root',
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
    'Mosquitto 2 reads passwd as the user it runs as (mosquitto): the file is given to --owner, or to',
    'mosquitto when run as root; the owner is printed. deploy/mosquitto/mosquitto.conf is a sample.',
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
      const { gateways, keys } = verifiedLogins(config, readPasswords(pwFile));
      const passwd = join(dir, 'passwd');
      writeFileSync(
        passwd,
        mosquittoPasswd({ ingestUser, ingestPassword: config.mqtt.password, gateways, keys }),
        { mode: 0o600 },
      );
      chmodSync(passwd, 0o600);
      const owner = passwdOwner(str(values, 'owner'));
      if (owner) chownSync(passwd, owner.uid, owner.gid);
      written.push(
        `${passwd} (0600, owner ${owner ? owner.spec : `uid ${process.getuid?.() ?? '?'}: Mosquitto must run as this user, or pass --owner mosquitto`})`,
      );
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
  subcommands: [acl, certs, emqx],
};
export default group;
