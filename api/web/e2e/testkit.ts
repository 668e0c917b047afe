/**
 * Set-up for the dashboard's browser tests: `xueliang up` as a child process on free ports
 * with the sample city plus test principals and an alert rule, a gateway that publishes
 * hits and snapshots over the real MQTT path, and Debian's Chromium through playwright-core.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import sharp from 'sharp';
import { parse, stringify } from 'yaml';
import type { Hit } from '../../../contracts/hit.js';
import { projectRoot } from '../../../contracts/testdata.js';
import { hashSecret } from '../../../contracts/secrets.js';
import { freePort } from '../../../contracts/net.js';

export { freePort };

export const CHROMIUM = '/usr/bin/chromium';
export const ARTIFACTS = join(projectRoot, 'test-artifacts', 'dashboard');

/** Test principals: key → role and org (the admin key is the one `up` makes). */
export const PRINCIPALS = {
  analystXihu: { key: 'xl_e2e_analyst_xihu_0000000001', role: 'analyst', org: 'xihu' },
  analystGongshu: { key: 'xl_e2e_analyst_gongshu_000000002', role: 'analyst', org: 'gongshu' },
  gridXh01: { key: 'xl_e2e_grid_xh01_member_00000003', role: 'grid_member', org: 'grid-xh-01' },
  townLingyin: { key: 'xl_e2e_town_lingyin_admin_000004', role: 'admin', org: 'xihu-lingyin' },
} as const;

export interface Stack {
  baseUrl: string;
  mqttUrl: string;
  adminKey: string;
  dataDir: string;
  log: () => string;
  stop(): Promise<void>;
}

function cityYaml(dir: string): string {
  const city = parse(readFileSync(join(projectRoot, 'deploy', 'city.yaml'), 'utf8')) as Record<
    string,
    unknown
  >;
  city.api = {
    ...((city.api as object | undefined) ?? {}),
    keys: Object.entries(PRINCIPALS).map(([id, p]) => ({
      id,
      hash: hashSecret(p.key),
      role: p.role,
      org: p.org,
    })),
  };
  city.alerts = {
    ...((city.alerts as object | undefined) ?? {}),
    rules: [
      {
        id: 'parking',
        title: 'Illegal parking 违章停车',
        match: { types: ['illegal_parking'] },
        cooldownMs: 1000,
      },
    ],
  };
  const file = join(dir, 'city.yaml');
  writeFileSync(file, stringify(city));
  return file;
}

/** Runs a `xueliang` command from the sources to completion; rejects with its output on failure. */
function runCli(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(projectRoot, 'bin', 'xueliang.js'), ...args], {
      env: { ...process.env, XUELIANG_FROM_SOURCE: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout?.on('data', (b: Buffer) => {
      out += b.toString();
    });
    child.stderr?.on('data', (b: Buffer) => {
      out += b.toString();
    });
    child.once('exit', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`xueliang ${args.join(' ')} exited ${code}:\n${out}`)),
    );
  });
}

export interface StackOptions {
  /** Background hits from `xueliang seed` (two whole UTC days, all older than 12 hours) before `up` starts. */
  seedHits?: number;
}

/** Starts `xueliang up` from the sources (never a stale dist/) and waits until it serves. */
export async function startStack(o: StackOptions = {}): Promise<Stack> {
  const dir = mkdtempSync(join(tmpdir(), 'xl-web-e2e-'));
  const dataDir = join(dir, 'data');
  mkdirSync(dataDir);
  const [port, mqttPort] = [await freePort(), await freePort()];
  const config = cityYaml(dir);
  // chDB takes one process per data folder: seed first, then `up` opens the same folder.
  if (o.seedHits)
    await runCli([
      'seed',
      '--hits',
      String(o.seedHits),
      '--days',
      '2',
      // Seeded days end before the UTC day that held 12 hours ago: no seeded hit falls in the
      // last 12 hours, where the tests plant their needles (at 00:30 UTC "the two days before
      // today" would otherwise reach into a two-hour search window).
      '--until',
      String(Date.now() - 12 * 3_600_000),
      '--config',
      config,
      '--clickhouse',
      `chdb://${join(dataDir, 'clickhouse')}`,
    ]);
  let out = '';
  const child: ChildProcess = spawn(
    process.execPath,
    [
      join(projectRoot, 'bin', 'xueliang.js'),
      'up',
      '--port',
      String(port),
      '--mqtt-port',
      String(mqttPort),
      '--data',
      dataDir,
      '--config',
      config,
      '--open',
      '--log-level',
      'warn',
    ],
    { env: { ...process.env, XUELIANG_FROM_SOURCE: '1' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout?.on('data', (b: Buffer) => {
    out += b.toString();
  });
  child.stderr?.on('data', (b: Buffer) => {
    out += b.toString();
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  // If the test process goes away without stopping it, take `up` (and so its Redis child) along.
  const orphanGuard = () => child.kill('SIGTERM');
  process.once('exit', orphanGuard);
  const stop = async () => {
    process.off('exit', orphanGuard);
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(t);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 90_000;
  while (!out.includes('Xueliang is up.')) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`xueliang up did not start:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const baseUrl = `http://127.0.0.1:${port}`;
  const adminKey = readFileSync(join(dataDir, 'admin-api-key'), 'utf8').trim();
  return { baseUrl, mqttUrl: `mqtt://127.0.0.1:${mqttPort}`, adminKey, dataDir, log: () => out, stop };
}

/** A gateway publishing over MQTT (QoS 1; the PUBACK comes once ingest holds the message). */
export class TestGateway {
  private constructor(
    readonly id: string,
    private readonly client: MqttClient,
  ) {}

  static async connect(url: string, id: string): Promise<TestGateway> {
    const client = await mqtt.connectAsync(url, {
      clientId: `${id}-${process.pid}`,
      username: id,
      password: 'open',
      reconnectPeriod: 0,
    });
    return new TestGateway(id, client);
  }

  async hits(hits: Hit[]): Promise<void> {
    const msgId = `m${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
    await this.client.publishAsync(
      `xueliang/v1/gw/${this.id}/hits`,
      JSON.stringify({ v: 1, msgId, gateway: this.id, sentMs: Date.now(), hits }),
      { qos: 1 },
    );
  }

  async snapshot(id: string, jpeg: Buffer): Promise<void> {
    await this.client.publishAsync(`xueliang/v1/gw/${this.id}/snap/${id}`, jpeg, { qos: 1 });
  }

  /** The gateway's retained status document (contracts/status.ts). */
  async status(doc: object): Promise<void> {
    await this.client.publishAsync(`xueliang/v1/gw/${this.id}/status`, JSON.stringify(doc), {
      qos: 1,
      retain: true,
    });
  }

  async close(): Promise<void> {
    await this.client.endAsync();
  }
}

/** A synthetic snapshot: a street-grey frame with a coloured block where the box is. */
export async function snapshotJpeg(
  box: readonly [number, number, number, number],
  rgb: [number, number, number],
): Promise<Buffer> {
  const w = 320;
  const h = 240;
  const [x1, y1, x2, y2] = box;
  const block = await sharp({
    create: {
      width: Math.max(1, Math.round((x2 - x1) * w)),
      height: Math.max(1, Math.round((y2 - y1) * h)),
      channels: 3,
      background: { r: rgb[0], g: rgb[1], b: rgb[2] },
    },
  })
    .png()
    .toBuffer();
  return sharp({ create: { width: w, height: h, channels: 3, background: { r: 70, g: 78, b: 86 } } })
    .composite([{ input: block, left: Math.round(x1 * w), top: Math.round(y1 * h) }])
    .jpeg({ quality: 80 })
    .toBuffer();
}

export function chromiumAvailable(): boolean {
  return existsSync(CHROMIUM);
}

export async function launchBrowser(): Promise<{ browser: BrowserContext; close: () => Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), 'xl-chromium-'));
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-quic',
      '--disable-sync',
    ],
    viewport: { width: 1366, height: 900 },
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
  });
  return {
    browser,
    close: async () => {
      await browser.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Opens the dashboard in a new tab and signs in with `key`. */
export async function signIn(
  ctx: BrowserContext,
  baseUrl: string,
  key: string,
  hash = '#/live',
): Promise<Page> {
  const page = await ctx.newPage();
  await page.goto(`${baseUrl}/${hash}`);
  await page.locator('input[name="key"]').fill(key);
  await page.locator('form.signin button[type="submit"]').click();
  await page.locator('header.top').waitFor({ timeout: 10_000 });
  return page;
}

export async function shot(page: Page, name: string, fullPage = true): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage });
}

export type { Browser, Page };
