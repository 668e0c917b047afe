import { hashSecret, newApiKey } from '../../contracts/secrets.js';
import { defineCommand } from '../cli.js';

export default defineCommand({
  name: 'hash-secret',
  summary: 'Hash a gateway password or API key for city.yaml (reads the secret from stdin, or makes a new API key)',
  details:
    'Examples:\n  echo -n "$GW_PASSWORD" | xueliang hash-secret      # for gateways[].passwordHash\n  xueliang hash-secret --new-key                       # prints a new key and its hash for api.keys[]',
  options: { 'new-key': { type: 'boolean', description: 'Make a new random API key and print it with its hash' } },
  async run({ values }) {
    if (values['new-key']) {
      const key = newApiKey();
      process.stdout.write(`key:  ${key}\nhash: ${hashSecret(key)}\n`);
      return 0;
    }
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    const secret = Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
    if (!secret) {
      process.stderr.write('CLI_USAGE: pipe the secret on stdin, or use --new-key\n');
      return 2;
    }
    process.stdout.write(`${hashSecret(secret)}\n`);
    return 0;
  },
});
