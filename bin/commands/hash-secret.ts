import { hashSecret, newApiKey } from '../../contracts/secrets.js';
import { defineCommand } from '../cli.js';

export default defineCommand({
  name: 'hash-secret',
  summary:
    'Hash a gateway password or API key for city.yaml (reads the secret from stdin, or makes a new API key)',
  details:
    'Examples:\n  echo -n "$GW_PASSWORD" | xueliang hash-secret      # for gateways[].passwordHash\n  xueliang hash-secret --new-key --id xihu-analyst     # prints a new key and its hash for api.keys[]',
  options: {
    'new-key': { type: 'boolean', description: 'Make a new random API key and print it with its hash' },
    id: {
      type: 'string',
      arg: 'KEY_ID',
      description:
        'With --new-key: the key id (city.yaml api.keys[].id) the key carries, `xl~<id>~…` (default: key)',
    },
  },
  async run({ values }) {
    if (values['new-key']) {
      const id = typeof values.id === 'string' ? values.id : 'key';
      if (!/^[A-Za-z0-9._-]{1,64}$/.test(id)) {
        process.stderr.write('CLI_USAGE: --id must be 1-64 of A-Z a-z 0-9 . _ -\n');
        return 2;
      }
      const key = newApiKey(id);
      process.stdout.write(`key:  ${key}\nhash: ${hashSecret(key)}\n`);
      return 0;
    }
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    const secret = Buffer.concat(chunks)
      .toString('utf8')
      .replace(/\r?\n$/, '');
    if (!secret) {
      process.stderr.write('CLI_USAGE: pipe the secret on stdin, or use --new-key\n');
      return 2;
    }
    process.stdout.write(`${hashSecret(secret)}\n`);
    return 0;
  },
});
