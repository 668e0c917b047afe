/**
 * The audit chain cannot be quietly rewritten (docs/privacy.md), on real chDB: someone with
 * write access to the store deletes the newest rows, or re-attributes a row to another
 * analyst and re-hashes the chain with the code's own hash function — `verifyAudit` with the
 * keyring and the signed checkpoints (kept outside the store) finds both. Key rotation keeps
 * old rows verifiable; a forged checkpoint line is refused.
 */
import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog, type AuditRow, verifyAudit } from '../analytics/audit.js';
import { type AuditKeyring, auditMac, legacyAuditHash } from '../analytics/audit-mac.js';
import { migrate } from '../analytics/migrate.js';
import { sql } from '../analytics/sql.js';
import { openStore, type Store } from '../analytics/store.js';
import { silentLogger } from '../contracts/log.js';
import { CheckpointWriter, readCheckpoints } from './audit-checkpoints.js';
import { ensureDataDir, loadAuditKeyring, loadSigningKey, rotateAuditKey } from './city-keys.js';

const VARS = { hitsDays: 30, snapshotsDays: 7, quarantineDays: 14 };
let store: Store;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'xl-audit-'));
  store = await openStore({ url: `chdb://${join(dir, 'ch')}` });
  await migrate(store, VARS);
});
afterAll(async () => store?.close());

const mutate = (q: string) => store.command(`${q} SETTINGS mutations_sync = 1`);

function entry(i: number, keyId = 'analyst-wang') {
  return {
    tsMs: Date.now() - 60_000 + i,
    keyId,
    role: 'analyst',
    org: 'xihu',
    method: 'GET',
    endpoint: 'GET /vehicles',
    filters: { plate: `浙A1000${i}` },
    caseId: 'C-7',
    resultCount: i,
    status: 200,
  };
}

async function chainRows(chain: string): Promise<AuditRow[]> {
  const rows = await store.query<Record<string, string | number>>(sql('audit_chain'), { chain });
  return rows.map((r) => ({
    chain: String(r.chain),
    seq: Number(r.seq),
    ts_ms: Number(r.ts_ms),
    key_id: String(r.key_id),
    role: String(r.role),
    org: String(r.org),
    method: String(r.method),
    endpoint: String(r.endpoint),
    filters: String(r.filters),
    case_id: String(r.case_id),
    result_count: Number(r.result_count),
    status: Number(r.status),
    mac_key: String(r.mac_key),
    prev_hash: String(r.prev_hash),
    hash: String(r.hash),
  }));
}

/** Writes a chain of `n` rows with checkpoints; returns what verification needs. */
async function writeChain(chain: string, n: number) {
  const keyring = loadAuditKeyring(join(dir, 'audit-keys.json'), Date.now());
  const signing = loadSigningKey(join(dir, 'city-signing-key.pem'));
  const file = join(dir, `${chain}-checkpoints.jsonl`);
  const cps = new CheckpointWriter({ file, signing, everyMs: 60_000, log: silentLogger(), now: Date.now });
  const log = new AuditLog(store, chain, { keyring, onHead: (h) => cps.note(h) });
  for (let i = 1; i <= n; i++) {
    await log.append(entry(i));
    if (i % 10 === 0) await cps.flush(); // periodic checkpoints (timer-driven in the API)
  }
  await cps.close();
  // One store holds every test's chain: each test looks at its own.
  const verify = async () => {
    const v = await verifyAudit(store, {
      keyring,
      checkpoints: readCheckpoints(file, signing.publicKey).valid,
    });
    const broken = v.broken.filter((b) => b.chain === chain);
    return { ...v, ok: broken.length === 0, broken, rows: (await chainRows(chain)).length };
  };
  return { keyring, signing, file, verify };
}

/**
 * Rewrites rows `from..` of a chain as an attacker would: row `from` goes to analyst-li, and
 * every hash from there on is recomputed in order with `hashOf` (after `edit`).
 */
async function rehash(
  chain: string,
  from: number,
  hashOf: (r: AuditRow) => string,
  edit: (r: AuditRow) => AuditRow = (r) => r,
) {
  const rows = await chainRows(chain);
  let prev = rows[from - 2]?.hash ?? '0'.repeat(64);
  for (const r of rows.filter((x) => x.seq >= from)) {
    const next = edit({ ...r, prev_hash: prev, key_id: r.seq === from ? 'analyst-li' : r.key_id });
    next.hash = hashOf(next);
    await mutate(
      `ALTER TABLE audit_log UPDATE key_id = '${next.key_id}', mac_key = '${next.mac_key}', prev_hash = '${next.prev_hash}', hash = '${next.hash}' WHERE chain = '${chain}' AND seq = ${r.seq}`,
    );
    prev = next.hash;
  }
}

describe('audit chain attacks', () => {
  it('keys and checkpoints are private files; the data folder is created 0700', () => {
    const data = join(dir, 'data', 'nested');
    ensureDataDir(data);
    expect(statSync(data).mode & 0o777).toBe(0o700);
    loadAuditKeyring(join(data, 'audit-keys.json'), Date.now());
    loadSigningKey(join(data, 'city-signing-key.pem'));
    expect(statSync(join(data, 'audit-keys.json')).mode & 0o777).toBe(0o600);
    expect(statSync(join(data, 'city-signing-key.pem')).mode & 0o777).toBe(0o600);
  });

  it('an intact chain with checkpoints verifies', async () => {
    const { verify } = await writeChain('intact', 12);
    expect(await verify()).toMatchObject({ ok: true, rows: 12, checkpoints: 1, broken: [] });
  });

  it('deleting the newest 23 rows is detected by the signed checkpoint', async () => {
    const { verify, file } = await writeChain('cut', 30);
    expect((await verify()).ok).toBe(true);
    await mutate("ALTER TABLE audit_log DELETE WHERE chain = 'cut' AND seq > 7");
    const v = await verify();
    expect(v.ok).toBe(false);
    expect(v.broken).toEqual([
      { chain: 'cut', seq: 30, reason: expect.stringContaining('rows after seq 7 are missing') },
    ]);
    // Deleting the checkpoint lines too needs write access to a second place (and the webhook's archive).
    expect(readFileSync(file, 'utf8').trim().split('\n').length).toBe(3);
  });

  it('re-attributing a row and re-hashing with the unkeyed hash is detected', async () => {
    const { verify } = await writeChain('reattr', 12);
    await rehash('reattr', 5, legacyAuditHash, (r) => ({ ...r, mac_key: '' }));
    const v = await verify();
    expect(v.ok).toBe(false);
    expect(v.broken[0]).toMatchObject({
      chain: 'reattr',
      seq: 5,
      reason: expect.stringContaining('unkeyed row after keyed rows'),
    });
  });

  it('re-attributing a row and re-hashing with a guessed key is detected', async () => {
    const { verify } = await writeChain('guess', 12);
    const guessed: AuditKeyring = { current: 'k1', keys: new Map([['k1', randomBytes(32)]]) };
    await rehash('guess', 5, (r) => auditMac(guessed, r) as string);
    const v = await verify();
    expect(v.broken[0]).toMatchObject({
      chain: 'guess',
      seq: 5,
      reason: expect.stringContaining('does not match its MAC'),
    });
  });

  it('even with the MAC key stolen, re-hashing the chain no longer matches its checkpoint', async () => {
    const { verify, keyring } = await writeChain('stolen', 12);
    await rehash('stolen', 5, (r) => auditMac(keyring, r) as string);
    expect((await chainRows('stolen'))[4]?.key_id).toBe('analyst-li');
    const v = await verify();
    expect(v.broken).toEqual([
      { chain: 'stolen', seq: 12, reason: expect.stringContaining('differs from the signed checkpoint') },
    ]);
  });

  it('a gap in the sequence is reported at the row after it', async () => {
    const { verify } = await writeChain('gap', 8);
    await mutate("ALTER TABLE audit_log DELETE WHERE chain = 'gap' AND seq = 4");
    expect((await verify()).broken[0]).toMatchObject({ seq: 5, reason: expect.stringContaining('missing') });
  });

  it('rotating the key keeps old rows verifiable; a keyring without the old key cannot verify them', async () => {
    const keyFile = join(dir, 'rot-keys.json');
    const k1 = loadAuditKeyring(keyFile, Date.now());
    await new AuditLog(store, 'rot', { keyring: k1 }).append(entry(1));
    expect(rotateAuditKey(keyFile, Date.now())).toBe('k2');
    const k2 = loadAuditKeyring(keyFile, Date.now());
    expect(k2.current).toBe('k2');
    await new AuditLog(store, 'rot', { keyring: k2 }).append(entry(2));
    const rows = await chainRows('rot');
    expect(rows.map((r) => r.mac_key)).toEqual(['k1', 'k2']);
    const v = await verifyAudit(store, { keyring: k2 });
    expect(v.broken.filter((b) => b.chain === 'rot')).toEqual([]);
    const onlyK2 = { current: 'k2', keys: new Map([['k2', k2.keys.get('k2')!]]) };
    const w = await verifyAudit(store, { keyring: onlyK2 });
    expect(w.broken.find((b) => b.chain === 'rot')).toMatchObject({
      seq: 1,
      reason: expect.stringContaining("'k1' is not in the keyring"),
    });
  });

  it('a checkpoint line edited by hand fails its signature', async () => {
    const signing = loadSigningKey(join(dir, 'city-signing-key.pem'));
    const file = join(dir, 'forged.jsonl');
    const cps = new CheckpointWriter({ file, signing, everyMs: 60_000, log: silentLogger(), now: Date.now });
    cps.note({ chain: 'x', seq: 9, hash: 'a'.repeat(64) });
    const cp = await cps.close().then(() => JSON.parse(readFileSync(file, 'utf8')));
    appendFileSync(file, `${JSON.stringify({ ...cp, seq: 3 })}\n`);
    expect(readCheckpoints(file, signing.publicKey)).toMatchObject({ valid: [{ seq: 9 }], invalid: 1 });
    writeFileSync(file, 'not json\n');
    expect(readCheckpoints(file, signing.publicKey).invalid).toBe(1);
  });
});
