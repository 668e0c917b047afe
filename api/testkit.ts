/**
 * The API testkit: a chDB store in a temp folder (one per test file: chDB allows one data
 * folder per process), the sample city (deploy/city.yaml), keys for an admin and per-county
 * analysts, a JWT secret, seeded background traffic and planted needles.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { migrate } from '../analytics/migrate.js';
import { openStore, type Store } from '../analytics/store.js';
import { type CityConfig, loadCityConfig } from '../contracts/config/index.js';
import { silentLogger } from '../contracts/log.js';
import { projectRoot } from '../contracts/testdata.js';
import { buildApp } from './app.js';
import { hashSecret } from '../contracts/secrets.js';

export const KEYS = {
  admin: 'xl_test_admin_key_0123456789',
  xihu: 'xl_test_xihu_analyst_0123456789',
  gongshu: 'xl_test_gongshu_analyst_0123456789',
  viewer: 'xl_test_viewer_key_0123456789',
} as const;

export const JWT_SECRET = 'test-secret-test-secret-test-secret-0123';

export function testConfig(over: Partial<CityConfig['api']> = {}): Readonly<CityConfig> {
  const base = loadCityConfig(join(projectRoot, 'deploy', 'city.yaml'));
  return {
    ...base,
    api: {
      ...base.api,
      jwt: { ...base.api.jwt, secret: JWT_SECRET },
      rateLimit: { perSecond: 1000, burst: 10_000 },
      keys: [
        { id: 'xihu-analyst', hash: hashSecret(KEYS.xihu), role: 'analyst', org: 'xihu' },
        { id: 'gongshu-analyst', hash: hashSecret(KEYS.gongshu), role: 'analyst', org: 'gongshu' },
        { id: 'viewer', hash: hashSecret(KEYS.viewer), role: 'viewer', org: 'hz' },
      ],
      ...over,
    },
  };
}

export async function openTestStore(prefix: string): Promise<Store> {
  const store = await openStore({ url: `chdb://${mkdtempSync(join(tmpdir(), prefix))}` });
  await migrate(store, { hitsDays: 30, snapshotsDays: 7, quarantineDays: 14 });
  return store;
}

export async function testApp(store: Store, config = testConfig(), now?: () => number) {
  return buildApp({
    config,
    store,
    registry: new Registry(),
    log: silentLogger(),
    extraKeys: [{ keyId: 'admin', hash: hashSecret(KEYS.admin), role: 'admin', org: 'hz' }],
    auditChain: 'test',
    ...(now ? { now } : {}),
  });
}
