/**
 * The demo (docs/edge.md): `xueliang demo --source campus_pedestrians.mp4` as a child
 * process (the README's command, on free ports) — the edge agent's hits arrive in the API
 * within seconds of the demo starting, including an event of the example rules; /cameras
 * shows the camera streaming (the agent's retained status through ingest); and Ctrl-C
 * (SIGTERM) stops everything with exit code 0.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Hit } from '../contracts/hit.js';
import { NO_TEST_DATA, projectRoot, testDataDir } from '../contracts/testdata.js';
import { freePort } from './redis-child.js';

const data = testDataDir();
let child: ChildProcess | undefined;
afterAll(async () => {
  if (child && child.exitCode === null) {
    child.kill('SIGKILL');
    await new Promise((r) => child!.once('exit', r));
  }
});

describe.skipIf(!data)(`xueliang demo${data ? '' : ` (${NO_TEST_DATA})`}`, () => {
  it('shows the footage’s hits in the API within seconds, then stops cleanly', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'xl-demo-'));
    const [port, mqttPort] = [await freePort(), await freePort()];
    const args = [
      'bin/xueliang.js',
      'demo',
      '--source',
      join(data!, 'video', 'campus_pedestrians.mp4'),
      '--port',
      String(port),
      '--mqtt-port',
      String(mqttPort),
      '--data',
      join(dir, 'data'),
      '--log-level',
      'warn',
    ];
    // The old fixed metrics port taken (by us, or already by something else): demo still starts.
    const squatter = createServer();
    await new Promise<void>((r) => {
      squatter.once('error', () => r());
      squatter.listen(9465, '127.0.0.1', () => r());
    });
    const c = spawn(process.execPath, args, { cwd: projectRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    c.once('exit', () => squatter.close());
    child = c;
    let out = '';
    let err = '';
    c.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    c.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const wait = async (what: string, cond: () => boolean, ms: number) => {
      const deadline = Date.now() + ms;
      while (!cond()) {
        if (c.exitCode !== null)
          throw new Error(`demo exited ${c.exitCode} waiting for ${what}:\n${out}\n${err}`);
        if (Date.now() > deadline) throw new Error(`demo: no ${what} after ${ms} ms:\n${out}\n${err}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    await wait('agent line', () => out.includes('Demo edge agent gw-demo'), 120_000);
    const started = Date.now();
    expect(out).toContain('cam-demo-1 ← ');
    const m = out.match(/curl -s -H "Authorization: Bearer ([^"]+)" "([^"]+)"/);
    expect(m, out).toBeTruthy();
    const [, key, url] = m!;
    expect(url).toContain(`http://127.0.0.1:${port}/api/v1/hits?`);
    // The agent's metrics on a free port, printed at start.
    const metricsUrl = out.match(/Metrics: +(http:\/\/127\.0\.0\.1:\d+\/metrics)/)?.[1];
    expect(metricsUrl, out).toBeTruthy();
    expect(metricsUrl).not.toContain(':9465/');
    expect((await fetch(metricsUrl!)).status).toBe(200);

    // Poll the printed query until the first hits arrive (events fire within seconds;
    // sightings when tracks end), then until an event of the demo's rules is among them.
    let hits: Hit[] = [];
    let firstMs = -1;
    let eventMs = -1;
    const deadline = started + 60_000;
    while (eventMs < 0 && Date.now() < deadline) {
      if (c.exitCode !== null) throw new Error(`demo exited ${c.exitCode}:\n${out}\n${err}`);
      const r = await fetch(url!, { headers: { authorization: `Bearer ${key}` } });
      expect(r.status).toBe(200);
      hits = ((await r.json()) as { hits: Hit[] }).hits;
      if (hits.length > 0 && firstMs < 0) firstMs = Date.now() - started;
      if (hits.some((h) => h.kind === 'event')) eventMs = Date.now() - started;
      else await new Promise((r) => setTimeout(r, 250));
    }
    process.stderr.write(
      `demo: first hit in the API ${firstMs} ms after the agent started, first event ${eventMs} ms (${hits.length} hits then)\n`,
    );
    expect(firstMs, `no hit within 60 s:\n${out}\n${err}`).toBeGreaterThan(0);
    expect(eventMs).toBeLessThan(30_000);
    const events = hits.filter((h) => h.kind === 'event');
    expect(events.every((h) => h.gateway === 'gw-demo' && h.camera === 'cam-demo-1')).toBe(true);
    expect(events.map((h) => h.rule)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^(walkway-intrusion|middle-crossing|crowd|parked)$/)]),
    );

    // The camera's status, from the agent's retained status through ingest, in /cameras.
    const cams = (await (
      await fetch(`http://127.0.0.1:${port}/api/v1/cameras`, { headers: { authorization: `Bearer ${key}` } })
    ).json()) as { cameras: Array<{ id: string; status?: Record<string, unknown> }> };
    const st = cams.cameras.find((x) => x.id === 'cam-demo-1')?.status;
    expect(st, JSON.stringify(cams)).toMatchObject({ state: 'streaming', gateway: 'online', stale: false });
    expect(st!.lastFrameMs).toBeGreaterThan(started - 10_000);

    c.kill('SIGTERM');
    const code = await new Promise<number | null>((r) => c.once('exit', r));
    expect(code, err).toBe(0);
  }, 240_000);
});
