import { resolve } from 'node:path';
import { keyPaths, loadAuditKeyring, rotateAuditKey } from '../../api/city-keys.js';
import { loadCityConfig } from '../../contracts/config/index.js';
import { defineCommand, str } from '../cli.js';

const rotate = defineCommand({
  name: 'audit rotate-key',
  summary: 'Add a new audit MAC key and make it current; old keys stay so old rows still verify',
  options: {
    data: {
      type: 'string',
      arg: 'DIR',
      description: 'Data folder holding audit-keys.json',
      default: './data',
    },
    config: {
      type: 'string',
      arg: 'FILE',
      description: 'city.yaml, when privacy.auditKeyFile puts the keyring elsewhere',
    },
  },
  details: [
    'The keyring (privacy.auditKeyFile, default <data>/audit-keys.json, 0600) keeps every key by id; rows',
    'name the key they were written with (audit_log.mac_key), so rotation never breaks verification.',
    'Restart the API processes to write new rows with the new key. Back the keyring up: a lost key',
    'leaves its rows unverifiable (docs/privacy.md).',
    '',
    'Example:',
    '  xueliang audit rotate-key --data ./data',
  ].join('\n'),
  async run({ values }) {
    const dataDir = resolve(str(values, 'data') ?? './data');
    const file = str(values, 'config');
    const privacy = file
      ? loadCityConfig(file, process.env).privacy
      : { auditKeyFile: '', signingKeyFile: '', checkpointFile: '' };
    const { auditKeyFile } = keyPaths({ privacy }, dataDir);
    loadAuditKeyring(auditKeyFile, Date.now()); // creates it (and k1) when absent
    const id = rotateAuditKey(auditKeyFile, Date.now());
    const ring = loadAuditKeyring(auditKeyFile, Date.now());
    process.stdout.write(`${auditKeyFile}: current key ${id} (${ring.keys.size} keys kept)\n`);
    return 0;
  },
});

export default { name: 'audit', summary: 'Audit chain tools', subcommands: [rotate] };
