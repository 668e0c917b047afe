import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { storeContract } from './store.contract.js';
import { openStore } from './store.js';

storeContract('embedded chDB', () =>
  openStore({ url: `chdb://${mkdtempSync(join(tmpdir(), 'xl-store-'))}` }),
);

const server = process.env.CLICKHOUSE_URL;
describe.skipIf(!server)('ClickHouse server (runs when CLICKHOUSE_URL is set)', () => {
  if (server)
    storeContract(`server ${server.replace(/\/\/.*@/, '//')}`, () =>
      openStore({ url: server, database: `xl_test_${Date.now()}` }),
    );
});

describe('openStore', () => {
  it('refuses an unknown URL scheme with a code', async () => {
    await expect(openStore({ url: 'mysql://x' })).rejects.toMatchObject({ code: 'STORE_BAD_URL' });
  });
});
