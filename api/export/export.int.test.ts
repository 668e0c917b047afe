/**
 * Evidence export round trip (docs/privacy.md), on real chDB over the real API: an analyst
 * exports two hits with a snapshot under an open case; `xueliang verify-export` (the real
 * CLI, offline) verifies the archive with the city's pinned public key; one byte changed in
 * the snapshot makes it fail naming that file. The export is audited with its manifest's
 * sha256; other roles, other jurisdictions, closed cases and hits outside the jurisdiction
 * are refused.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hitToRow } from '../../analytics/hit-rows.js';
import type { Store } from '../../analytics/store.js';
import { makeHit } from '../../contracts/testkit.js';
import { silentLogger } from '../../contracts/log.js';
import { projectRoot, testDataDir } from '../../contracts/testdata.js';
import { buildApp } from '../app.js';
import { openCityKeys } from '../city-keys.js';
import { hashSecret } from '../../contracts/secrets.js';
import { KEYS, openTestStore, testConfig } from '../testkit.js';
import { readTar } from './ustar.js';

const run = promisify(execFile);
const config = testConfig();
const XIHU = {
  grid: 'grid-xh-01',
  orgPath: ['hz', 'xihu', 'xihu-lingyin', 'xihu-lingyin-maojiabu', 'grid-xh-01'],
};
const GONGSHU = { grid: 'grid-gs-01', orgPath: ['hz', 'gongshu', 'gongshu-a', 'gongshu-a-b', 'grid-gs-01'] };
let store: Store;
let app: FastifyInstance;
let dir: string;
let jpeg: Buffer;
const hits = [
  makeHit({
    gateway: 'gw-xihu-01',
    camera: 'cam-xh-0001',
    tsMs: Date.now() - 3_600_000,
    snapshot: 'SNAPEXPORT01',
  }),
  makeHit({ camera: 'cam-xh-0002', tsMs: Date.now() - 1_800_000 }),
];
const outside = makeHit({ camera: 'cam-gs-0001', tsMs: Date.now() - 1_800_000 });

const post = (url: string, key: keyof typeof KEYS, payload: unknown) =>
  app.inject({
    method: 'POST',
    url,
    headers: { authorization: `Bearer ${KEYS[key]}` },
    payload: payload as object,
  });

/** Runs the real CLI; resolves with its exit code and output. */
async function verifyExport(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, [
      join(projectRoot, 'bin', 'xueliang.js'),
      'verify-export',
      ...args,
    ]);
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'xl-export-'));
  store = await openTestStore('xl-export-store-');
  // A snapshot as the edge stores it (a real photo when the shared media is there).
  const data = testDataDir();
  jpeg = data
    ? await sharp(join(data, 'images/shopping_street_people.png'))
        .extract({ left: 400, top: 150, width: 100, height: 200 })
        .jpeg()
        .toBuffer()
    : await sharp({ create: { width: 40, height: 80, channels: 3, background: '#446688' } })
        .jpeg()
        .toBuffer();
  await store.insert('hits', [...hits.map((h) => hitToRow(h, XIHU)), hitToRow(outside, GONGSHU)]);
  await store.insert('snapshots', [
    {
      id: 'SNAPEXPORT01',
      gateway: 'gw-xihu-01',
      ts: hits[0]!.tsMs,
      bytes: jpeg.length,
      jpeg_base64: jpeg.toString('base64'),
    },
  ]);
  app = await buildApp({
    config,
    store,
    registry: new Registry(),
    log: silentLogger(),
    extraKeys: [{ keyId: 'admin', hash: hashSecret(KEYS.admin), role: 'admin', org: 'hz' }],
    auditChain: 'export-test',
    keys: openCityKeys(config, dir, Date.now()),
  });
}, 120_000);

afterAll(async () => {
  await app?.close();
  await store?.close();
});

describe('evidence export', () => {
  it('round trip: export, verify offline with the pinned key, tamper one byte, verification names the file', async () => {
    const c = await post('/api/v1/cases', 'xihu', { title: 'hit and run on 龙井路', kind: 'hit_and_run' });
    expect(c.statusCode, c.body).toBe(201);
    const caseId = (c.json() as { id: string }).id;
    const r = await post(`/api/v1/cases/${caseId}/exports`, 'xihu', { hitIds: hits.map((h) => h.id) });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.headers['content-type']).toBe('application/x-tar');
    const archive = r.rawPayload;
    const entries = readTar(archive);
    expect(entries.map((e) => e.path)).toEqual([
      'manifest.json',
      'case.json',
      'hits.json',
      'audit.json',
      'snapshots/SNAPEXPORT01.jpg',
    ]);
    // The snapshot leaves exactly as stored (blurred at the edge): byte for byte.
    expect(Buffer.from(entries[4]!.data).equals(jpeg)).toBe(true);
    expect(
      (JSON.parse(Buffer.from(entries[2]!.data).toString()) as Array<{ id: string }>).map((h) => h.id),
    ).toEqual(hits.map((h) => h.id));
    // The case's audit excerpt holds at least the case's creation... and what named the case.
    const excerpt = JSON.parse(Buffer.from(entries[3]!.data).toString()) as Array<{ case_id: string }>;
    for (const row of excerpt) expect(row.case_id).toBe(caseId);

    const file = join(dir, 'export.tar');
    writeFileSync(file, archive);
    const pub = join(dir, 'city-public.pem');
    const { createPublicKey } = await import('node:crypto');
    writeFileSync(
      pub,
      createPublicKey(readFileSync(join(dir, 'city-signing-key.pem'))).export({
        type: 'spki',
        format: 'pem',
      }),
    );
    const ok = await verifyExport(file, '--public-key', pub, '--json');
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ ok: true, pinned: true, caseId, files: 4, problems: [] });

    // One byte of the snapshot's data, found where the archive holds it.
    const at = archive.indexOf(jpeg.subarray(200, 232)) + 5;
    expect(at).toBeGreaterThan(512);
    const tampered = Buffer.from(archive);
    tampered[at] = tampered[at]! ^ 0x01;
    writeFileSync(file, tampered);
    const bad = await verifyExport(file);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('EXPORT_NOT_VERIFIED: snapshots/SNAPEXPORT01.jpg: sha256');

    // A manifest re-signed by another key fails against the pinned key.
    const other = mkdtempSync(join(tmpdir(), 'xl-export-other-'));
    openCityKeys(config, other, Date.now());
    const otherPub = join(other, 'pub.pem');
    writeFileSync(
      otherPub,
      createPublicKey(readFileSync(join(other, 'city-signing-key.pem'))).export({
        type: 'spki',
        format: 'pem',
      }),
    );
    writeFileSync(file, archive);
    const wrongKey = await verifyExport(file, '--public-key', otherPub);
    expect(wrongKey.code).toBe(1);
    expect(wrongKey.stderr).toContain('manifest.json: signature does not verify with the pinned key');

    // Audited with the manifest's sha256.
    const rows = await store.query<{ filters: string; status: number }>(
      "SELECT filters, status FROM audit_log WHERE case_id = {c:String} AND endpoint = 'POST /cases/:id/exports'",
      { c: caseId },
    );
    expect(rows).toHaveLength(1);
    expect(JSON.parse(rows[0]!.filters)).toMatchObject({
      manifestSha256: r.headers['x-xueliang-manifest-sha256'],
      hitIds: hits.map((h) => h.id),
    });
  }, 120_000);

  it('refuses other roles, other jurisdictions, closed cases and hits outside the jurisdiction', async () => {
    const c = await post('/api/v1/cases', 'xihu', { title: 'second case', kind: 'theft' });
    const caseId = (c.json() as { id: string }).id;
    const body = { hitIds: [hits[0]!.id] };
    expect((await post(`/api/v1/cases/${caseId}/exports`, 'viewer', body)).statusCode).toBe(403);
    expect((await post(`/api/v1/cases/${caseId}/exports`, 'admin', body)).statusCode).toBe(403);
    const gs = await post(`/api/v1/cases/${caseId}/exports`, 'gongshu', body);
    expect(gs.statusCode).toBe(403);
    expect(gs.json()).toMatchObject({ code: 'API_CASE_REQUIRED' });
    const out = await post(`/api/v1/cases/${caseId}/exports`, 'xihu', { hitIds: [outside.id] });
    expect(out.statusCode).toBe(404);
    expect((await post(`/api/v1/cases/${caseId}/exports`, 'xihu', { hitIds: [] })).statusCode).toBe(400);
    expect((await post(`/api/v1/cases/${caseId}/close`, 'xihu', {})).statusCode).toBe(200);
    const closed = await post(`/api/v1/cases/${caseId}/exports`, 'xihu', body);
    expect(closed.statusCode).toBe(403);
  }, 60_000);
});
