/**
 * The dashboard in a real browser (docs/dashboard.md) against `xueliang up` with
 * data published through the real MQTT → ingest → ClickHouse path and a live gateway.
 * Debian's Chromium through playwright-core; skipped with a message when it is absent.
 * Screenshots go to test-artifacts/dashboard/ (not committed).
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import sharp from 'sharp';
import { ulid } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCityConfig } from '../../contracts/config/index.js';
import type { OrgNode } from '../../contracts/config/org.js';
import { makeHit } from '../../contracts/testkit.js';
import type { Hit } from '../../contracts/hit.js';
import { projectRoot } from '../../contracts/testdata.js';
import { buildWeb, DIST_DIR, JS_BUDGET_GZIP_BYTES } from './build.js';
import {
  ARTIFACTS,
  chromiumAvailable,
  launchBrowser,
  PRINCIPALS,
  type Stack,
  shot,
  signIn,
  snapshotJpeg,
  startStack,
  TestGateway,
} from './e2e/testkit.js';

const HAVE_CHROMIUM = chromiumAvailable();
if (!HAVE_CHROMIUM) {
  process.stderr.write(
    'dashboard browser tests skipped: /usr/bin/chromium is absent (Debian: apt-get install chromium)\n',
  );
}

const XIHU_CAMS = ['cam-xh-0001', 'cam-xh-0002', 'cam-xh-0003', 'cam-xh-0004'];
/** Every camera in 西湖区's subtree according to the sample city (the demo cameras too). */
const XIHU_SCOPE = camerasUnder('xihu');
const GONGSHU_CAMS = ['cam-gs-0001', 'cam-gs-0002', 'cam-gs-0003'];
const GW_OF = (cam: string) => (cam.startsWith('cam-xh') ? 'gw-xihu-01' : 'gw-gongshu-01');
/** Background volume from `xueliang seed` (days before today; the planted data below is all from the last hours). */
const SEED_HITS = 20_000;
const NEEDLE = '浙A7Q2K9';
/** The needle with one OCR-confusable character changed (Q→0). */
const DECOY = '浙A702K9';
/** The needle's route: camera and minutes before now, in time order. */
const NEEDLE_ROUTE: [string, number][] = [
  ['cam-xh-0001', 50],
  ['cam-xh-0002', 46],
  ['cam-xh-0003', 39],
  ['cam-xh-0004', 30],
  ['cam-gs-0001', 18],
];
const COLOURS = ['white', 'black', 'red', 'blue', 'grey', 'green'] as const;
const RGB: Record<string, [number, number, number]> = {
  white: [235, 235, 235],
  black: [25, 25, 25],
  red: [200, 40, 40],
  blue: [40, 80, 200],
  grey: [130, 130, 130],
  green: [40, 160, 60],
  pink: [240, 130, 180],
};

function camerasUnder(org: string): string[] {
  const city = loadCityConfig(join(projectRoot, 'deploy', 'city.yaml'));
  const grids = new Set<string>();
  const walk = (n: OrgNode, inside: boolean) => {
    const now = inside || n.id === org;
    if (now) grids.add(n.id);
    for (const c of n.children) walk(c, now);
  };
  for (const r of city.orgs) walk(r, false);
  return city.cameras.filter((c) => grids.has(c.grid)).map((c) => c.id);
}

let stack: Stack;
let gws: Map<string, TestGateway>;
let browser: BrowserContext;
let closeBrowser: () => Promise<void>;
const pageErrors: string[] = [];
const planted: Hit[] = [];
const published = new Map<string, Hit>();
const figures: Record<string, unknown> = {};

async function api<T>(path: string, key = stack.adminKey): Promise<{ status: number; body: T }> {
  const r = await fetch(stack.baseUrl + path, { headers: { authorization: `Bearer ${key}` } });
  return { status: r.status, body: (await r.json().catch(() => ({}))) as T };
}

/** Whether this server has a route (another part may not have landed yet). */
async function hasRoute(path: string): Promise<boolean> {
  const r = await api<{ code?: string; message?: string }>(path);
  return !(r.status === 404 && r.body.message?.startsWith('no route'));
}

async function snap(hit: Hit): Promise<void> {
  if (!hit.snapshot) return;
  hit.snapshotCrop ??= [0, 0, 1, 1]; // snapshotJpeg draws the whole frame (call before publishing the hit)
  const colour = hit.attrs?.color ?? hit.attrs?.upperColor ?? 'grey';
  await gws
    .get(hit.gateway)!
    .snapshot(hit.snapshot, await snapshotJpeg(hit.box, RGB[colour] ?? [130, 130, 130]));
}

async function publish(hit: Hit, withSnapshot: boolean): Promise<void> {
  if (withSnapshot) await snap(hit);
  await gws.get(hit.gateway)!.hits([hit]);
  published.set(hit.id, hit);
}

/** Bin of each palette colour in the 2 × 16-bin appearance descriptor (analytics/appearance.ts). */
const BIN: Record<string, number> = {
  red: 0,
  orange: 1,
  yellow: 2,
  green: 4,
  blue: 8,
  purple: 10,
  pink: 11,
  brown: 1,
  black: 12,
  grey: 13,
  white: 15,
  unknown: 14,
};

/** The descriptor of a person all in `upper` above and `lower` below. */
function descriptor(upper: string, lower: string): string {
  const d = new Uint8Array(32);
  d[BIN[upper]!] = 255;
  d[16 + BIN[lower]!] = 255;
  return Buffer.from(d).toString('base64');
}

function vehicle(camera: string, tsMs: number, plate: string, color: string): Hit {
  return makeHit({
    tsMs,
    camera,
    gateway: GW_OF(camera),
    type: 'vehicle',
    label: 'car',
    snapshot: ulid(),
    box: [0.3, 0.35, 0.7, 0.8],
    attrs: { color: color as 'white', plate, plateScore: 0.9, vehicleType: 'car', direction: 'northbound' },
  });
}

function person(camera: string, tsMs: number, upper: string, lower: string): Hit {
  return makeHit({
    tsMs,
    camera,
    gateway: GW_OF(camera),
    type: 'person',
    label: 'person',
    snapshot: ulid(),
    box: [0.4, 0.15, 0.6, 0.9],
    attrs: { upperColor: upper as 'red', lowerColor: lower as 'blue' },
    appearance: descriptor(upper, lower),
  });
}

/** Waits until every hit is searchable (paging through the range they span). */
async function waitQueryable(hits: Hit[], timeoutMs = 20_000): Promise<void> {
  const want = new Set(hits.map((x) => x.id));
  const from = Math.min(...hits.map((x) => x.tsMs));
  const to = Math.max(...hits.map((x) => x.tsMs)) + 1;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const got = new Set<string>();
    let url = `/api/v1/hits?from=${from}&to=${to}&limit=1000`;
    for (let page = 0; page < 20; page++) {
      const r = await api<{ hits: Hit[]; next?: string }>(url);
      for (const x of r.body.hits ?? []) got.add(x.id);
      if (!r.body.next) break;
      url = `/api/v1/hits?from=${from}&to=${to}&limit=1000&cursor=${r.body.next}`;
    }
    if ([...want].every((id) => got.has(id))) return;
    await new Promise((r2) => setTimeout(r2, 250));
  }
  throw new Error(`published hits were not queryable within ${timeoutMs} ms`);
}

function watch(page: Page): Page {
  page.on('pageerror', (e) => pageErrors.push(`${page.url()}: ${e.message}`));
  return page;
}

async function open(key: string, hash: string): Promise<Page> {
  return watch(await signIn(browser, stack.baseUrl, key, hash));
}

describe.skipIf(!HAVE_CHROMIUM)('dashboard in Chromium against xueliang up', () => {
  beforeAll(async () => {
    // Always from the current sources (esbuild takes well under a second): a stale dist would test old code.
    const built = await buildWeb();
    figures.jsGzipBytes = built.jsGzipBytes;
    expect(existsSync(join(DIST_DIR, 'index.html'))).toBe(true);
    stack = await startStack({ seedHits: SEED_HITS });
    gws = new Map();
    for (const id of ['gw-xihu-01', 'gw-gongshu-01'])
      gws.set(id, await TestGateway.connect(stack.mqttUrl, id));
    // Background traffic over the last six hours, every camera, with snapshots for most.
    const now = Date.now();
    let k = 0;
    for (const cam of [...XIHU_CAMS, ...GONGSHU_CAMS]) {
      for (let i = 0; i < 8; i++) {
        const ts = now - (i * 40 + (k % 7)) * 60_000 - 90_000;
        const c = COLOURS[k++ % COLOURS.length]!;
        planted.push(
          i % 2
            ? person(cam, ts, c, COLOURS[(k + 2) % COLOURS.length]!)
            : vehicle(cam, ts, `浙A${String(10000 + k * 37).slice(-5)}`, c),
        );
      }
    }
    // The planted vehicle and a decoy one OCR confusion away (Q↔0), which an exact search must not return.
    for (const [cam, minAgo] of NEEDLE_ROUTE)
      planted.push(vehicle(cam, now - minAgo * 60_000, NEEDLE, 'white'));
    planted.push(vehicle('cam-xh-0002', now - 20 * 60_000, DECOY, 'white'));
    // Two sightings of one missing person in pink and green (no one else wears that).
    planted.push(
      person('cam-xh-0003', now - 35 * 60_000, 'pink', 'green'),
      person('cam-gs-0003', now - 25 * 60_000, 'pink', 'green'),
    );
    // Snapshots first (most hits have one), then one envelope per gateway, as an edge agent batches them.
    await Promise.all(planted.filter((_, i) => i % 4 !== 3).map((x) => snap(x)));
    for (const [id, gw] of gws) await gw.hits(planted.filter((x) => x.gateway === id));
    for (const x of planted) published.set(x.id, x);
    await waitQueryable(planted);
    ({ browser, close: closeBrowser } = await launchBrowser());
  }, 150_000);

  afterAll(async () => {
    // Every step runs whatever failed before it: a leaked `up` would hold ports and a data folder.
    const steps = [
      async () => {
        mkdirSync(ARTIFACTS, { recursive: true });
        writeFileSync(join(ARTIFACTS, 'figures.json'), `${JSON.stringify(figures, null, 2)}\n`);
      },
      async () => closeBrowser?.(),
      async () => {
        for (const g of gws?.values() ?? []) await g.close();
      },
      async () => stack?.stop(),
    ];
    const errors: unknown[] = [];
    for (const step of steps) await step().catch((e: unknown) => errors.push(e));
    if (errors.length) throw errors[0];
  }, 60_000);

  it('first view loads in < 1 s from localhost with < 500 KB gzip JavaScript', async () => {
    // Three cold loads (HTTP cache off), the median judged: one load on a box shared with other
    // test processes can stall for reasons that are not the page's.
    const loads = [];
    let page: Page | undefined;
    for (let k = 0; k < 3; k++) {
      await page?.close();
      page = watch(await browser.newPage());
      const cdp = await browser.newCDPSession(page);
      await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
      await page.goto(stack.baseUrl);
      await page.locator('form.signin input[name="key"]').waitFor();
      loads.push(
        await page.evaluate(() => {
          const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
          const res = performance.getEntriesByType('resource') as PerformanceResourceTiming[];
          const js = res.filter((r) => r.name.endsWith('.js'));
          const mark = performance.getEntriesByName('xl:first-view')[0];
          return {
            loadMs: nav.loadEventEnd,
            // Set by the page in the frame that paints its first view (main.ts).
            firstViewMs: mark ? mark.startTime : Number.POSITIVE_INFINITY,
            jsTransferBytes: js.reduce((a, r) => a + r.encodedBodySize, 0),
            jsFiles: js.length,
          };
        }),
      );
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const perf = {
      loadMs: median(loads.map((x) => x.loadMs)),
      firstViewMs: median(loads.map((x) => x.firstViewMs)),
      firstViewMsEach: loads.map((x) => Math.round(x.firstViewMs)),
      jsTransferBytes: loads[0]!.jsTransferBytes,
      jsFiles: loads[0]!.jsFiles,
    };
    figures.firstView = perf;
    expect(perf.jsFiles).toBeGreaterThan(0);
    expect(perf.loadMs).toBeLessThan(1000);
    expect(perf.firstViewMs).toBeLessThan(1000);
    expect(perf.jsTransferBytes).toBeLessThan(JS_BUDGET_GZIP_BYTES);
    if (!page) throw new Error('no page was opened');
    await shot(page, '01-sign-in');
    // A wrong key is refused with a clear message, and nothing is stored.
    await page.locator('input[name="key"]').fill('xl_not_a_real_key_000000');
    await page.locator('form.signin button[type="submit"]').click();
    // (An unknown key costs the server an scrypt per configured key: allow it a moment.)
    await expect
      .poll(() => page.locator('form.signin [role="alert"]').textContent(), { timeout: 10_000 })
      .toMatch(/不接受|did not accept/);
    expect(await page.evaluate(() => sessionStorage.getItem('xl.key'))).toBeNull();
    await page.close();
  });

  it('live wall shows a new hit from a gateway within 2 s, filters by type and pauses', async () => {
    const page = await open(stack.adminKey, '#/live');
    await page
      .locator('.view-live[data-live="connected"], .view-live[data-live="polling"]')
      .waitFor({ timeout: 10_000 });
    figures.liveMode = await page.locator('.view-live').getAttribute('data-live');
    // Backfilled cards first, then a new hit.
    await page.locator('.wall .card').first().waitFor();
    const fresh = vehicle('cam-xh-0003', Date.now(), '浙A5L8M2', 'red');
    const t0 = Date.now();
    await publish(fresh, true);
    await page.locator(`.wall [data-hit="${fresh.id}"]`).waitFor({ timeout: 5000 });
    const ms = Date.now() - t0;
    figures.liveHitMs = ms;
    expect(ms).toBeLessThan(2000);
    expect(await page.locator('.wall .card').first().getAttribute('data-hit')).toBe(fresh.id);
    await page.waitForTimeout(400); // let the snapshot arrive before the picture
    await shot(page, '02-live');

    // Filter by type: only persons remain.
    await page.getByLabel(/类型|Type/).selectOption('person');
    const types = await page
      .locator('.wall .card')
      .evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.type));
    expect(types.length).toBeGreaterThan(0);
    expect(new Set(types)).toEqual(new Set(['person']));
    await page.getByLabel(/类型|Type/).selectOption('');

    // Pause: a new hit waits in the buffer, then appears on resume.
    await page.locator('button.toggle').click();
    const held = person('cam-xh-0001', Date.now(), 'red', 'black');
    await publish(held, true);
    await expect.poll(() => page.locator('.pending').textContent(), { timeout: 5000 }).toMatch(/^1 /);
    expect(await page.locator(`[data-hit="${held.id}"]`).count()).toBe(0);
    await page.locator('button.toggle').click();
    await page.locator(`[data-hit="${held.id}"]`).waitFor({ timeout: 2000 });
    await page.close();
  });

  it('a plate search with a case finds the planted vehicle and draws its route with the right hops', async (ctx) => {
    if (!(await hasRoute('/api/v1/cases')) || !(await hasRoute('/api/v1/vehicles?plate=x'))) {
      ctx.skip('needs POST /api/v1/cases and GET /api/v1/vehicles (docs/api.md), not on this server yet');
    }
    const page = await open(stack.adminKey, '#/search?tab=vehicles');
    await page.getByLabel(/新建案件|Open a new case/).fill('E2E hit-and-run 肇事逃逸');
    await page.locator('form.case-new button[type="submit"]').click();
    await expect.poll(() => page.locator('.case-bar select').inputValue(), { timeout: 5000 }).not.toBe('');
    await page.locator('input[name="plate"]').fill(NEEDLE);
    await page.locator('form.search-form button[type="submit"]').click();
    await page.locator('.results .card').first().waitFor({ timeout: 10_000 });
    const needleIds = planted.filter((x) => x.attrs?.plate === NEEDLE).map((x) => x.id);
    const shown = await page
      .locator('.results .card')
      .evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.hit));
    expect(new Set(shown)).toEqual(new Set(needleIds));
    await shot(page, '03-search-vehicles');

    // Fuzzy: the decoy one OCR confusion away (Q↔0) ranks right after the plate itself.
    const plates = () =>
      page
        .locator('table.plates tbody tr')
        .evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.plate));
    await page.getByLabel(/匹配方式|Match/).selectOption('fuzzy');
    await page.locator('form.search-form button[type="submit"]').click();
    await expect.poll(async () => (await plates()).slice(0, 2), { timeout: 10_000 }).toEqual([NEEDLE, DECOY]);
    await shot(page, '03b-search-vehicles-fuzzy');
    // Wildcard: one unknown character matches both.
    await page.locator('input[name="plate"]').fill('浙A7?2K9');
    expect(await page.getByLabel(/匹配方式|Match/).inputValue()).toBe('wildcard');
    await page.locator('form.search-form button[type="submit"]').click();
    await expect
      .poll(async () => new Set(await plates()), { timeout: 10_000 })
      .toEqual(new Set([NEEDLE, DECOY]));
    // Back to the exact plate for the details and its route.
    await page.locator('input[name="plate"]').fill(NEEDLE);
    await page.getByLabel(/匹配方式|Match/).selectOption('exact');
    await page.locator('form.search-form button[type="submit"]').click();
    await expect.poll(async () => plates(), { timeout: 10_000 }).toEqual([NEEDLE]);

    // Details → route.
    await page.locator('.results .card-open').first().click();
    await page.locator('dialog.details').waitFor();
    await shot(page, '04-hit-details');
    await page.locator('dialog.details button', { hasText: /查看轨迹|Show route/ }).click();
    await page.locator('svg.route-map').waitFor({ timeout: 10_000 });
    expect(await page.locator('svg.route-map g.hop').count()).toBe(NEEDLE_ROUTE.length);
    expect(await page.locator('ol.hops li').count()).toBe(NEEDLE_ROUTE.length);
    const cams = await page.locator('ol.hops li .hop-cam').allTextContents();
    expect(cams.map((c) => c.split(' · ').pop())).toEqual(NEEDLE_ROUTE.map(([c]) => c));
    // Times between hops match the planted gaps.
    const gaps = await page.locator('ol.hops li .hop-gap').allTextContents();
    expect(gaps.slice(1).map((g) => g.replace(/\s/g, ''))).toEqual(['+4分', '+7分', '+9分', '+12分']);
    expect(await page.locator('svg.route-map g.org-county').count()).toBeGreaterThanOrEqual(2);
    await shot(page, '05-route');
    await page.close();
  });

  it('a person search by clothing colours with a case finds them, and similar-to-this finds the same person', async (ctx) => {
    if (!(await hasRoute('/api/v1/persons?upper=red')))
      ctx.skip('needs GET /api/v1/persons (docs/api.md), not on this server yet');
    const page = await open(stack.adminKey, '#/search?tab=persons');
    await page.getByLabel(/新建案件|Open a new case/).fill('E2E missing person 走失');
    await page.locator('form.case-new button[type="submit"]').click();
    await expect.poll(() => page.locator('.case-bar select').inputValue(), { timeout: 5000 }).not.toBe('');
    await page.getByLabel(/上衣颜色|Upper clothing/).selectOption('pink');
    // The last two hours: the planted sightings, none of `xueliang seed`'s (all older than 12 h).
    const twoHoursAgo = await page.evaluate(() => {
      const ms = Date.now() - 2 * 3_600_000;
      return new Date(ms - new Date(ms).getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
    });
    await page.getByLabel(/^(开始|From)$/).fill(twoHoursAgo);
    await page.locator('form.search-form button[type="submit"]').click();
    await page.locator('.results .card').first().waitFor({ timeout: 10_000 });
    const shown = await page
      .locator('.results .card')
      .evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.hit ?? ''));
    const twins = [...published.values()].filter(
      (x) => x.type === 'person' && x.attrs?.upperColor === 'pink',
    );
    expect(twins).toHaveLength(2);
    expect(new Set(shown)).toEqual(new Set(twins.map((x) => x.id)));
    await shot(page, '05b-search-persons');
    // Similar to one sighting: the other sighting of the same clothes ranks first.
    const other = twins.find((x) => x.id !== shown[0])!;
    await page.locator('.results .card-open').first().click();
    await page.locator('dialog.details button', { hasText: /以此查相似|Similar to this/ }).click();
    await expect.poll(() => page.locator('.results .card').count(), { timeout: 10_000 }).toBeGreaterThan(0);
    expect(await page.locator('.results .card').first().getAttribute('data-hit')).toBe(other.id);
    // Similar to a photo: a crop in pink over green finds both sightings first.
    const crop = await sharp({
      create: { width: 48, height: 96, channels: 3, background: { r: 40, g: 160, b: 60 } },
    })
      .composite([
        {
          input: await sharp({
            create: { width: 48, height: 48, channels: 3, background: { r: 240, g: 130, b: 180 } },
          })
            .png()
            .toBuffer(),
          left: 0,
          top: 0,
        },
      ])
      .jpeg({ quality: 90 })
      .toBuffer();
    await page
      .locator('input[name="photo"]')
      .setInputFiles({ name: 'crop.jpg', mimeType: 'image/jpeg', buffer: crop });
    await expect
      .poll(
        async () =>
          new Set(
            (
              await page
                .locator('.results .card')
                .evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.hit ?? ''))
            ).slice(0, 2),
          ),
        { timeout: 10_000 },
      )
      .toEqual(new Set(twins.map((x) => x.id)));
    await page.close();
  });

  it('a grid member accepts a task and another tab sees the state change', async (ctx) => {
    if (!(await hasRoute('/api/v1/tasks')))
      ctx.skip(
        'needs GET /api/v1/tasks and POST /api/v1/tasks/:id/accept (docs/alerts.md), not on this server yet',
      );
    const event = makeHit({
      camera: 'cam-xh-0001',
      gateway: 'gw-xihu-01',
      kind: 'event',
      type: 'illegal_parking',
      label: 'car',
      zone: 'no-parking',
      rule: 'no-parking',
      snapshot: ulid(),
      box: [0.2, 0.4, 0.5, 0.8],
    });
    await publish(event, true);
    const member = await open(PRINCIPALS.gridXh01.key, '#/tasks');
    const town = await open(PRINCIPALS.townLingyin.key, '#/tasks');
    const openCard = member.locator('[data-col="open"] article.task').first();
    await openCard.waitFor({ timeout: 10_000 });
    const taskId = await openCard.getAttribute('data-task');
    await town.locator(`[data-col="open"] [data-task="${taskId}"]`).waitFor({ timeout: 10_000 });
    await shot(member, '06-tasks-open');
    await openCard.locator('button[data-action="accept"]').click();
    await member.locator('dialog.note-dialog textarea').fill('到场处理 on my way');
    await member.locator('dialog.note-dialog button[value="ok"]').click();
    await member.locator(`[data-col="accepted"] [data-task="${taskId}"]`).waitFor({ timeout: 5000 });
    const t0 = Date.now();
    await town.locator(`[data-col="accepted"] [data-task="${taskId}"]`).waitFor({ timeout: 10_000 });
    figures.taskSeenInOtherTabMs = Date.now() - t0;
    expect(await town.locator(`[data-col="open"] [data-task="${taskId}"]`).count()).toBe(0);
    await shot(town, '07-tasks-other-tab');
    await member.close();
    await town.close();
  });

  it("an analyst of one county cannot see another county's hits", async () => {
    const page = await open(PRINCIPALS.analystXihu.key, '#/search?tab=hits');
    // The header says who this is, and offers no admin view to an analyst.
    expect(await page.locator('header .badge').textContent()).toMatch(/analyst · 西湖区/);
    expect(await page.locator('header nav a[href="#/admin"]').count()).toBe(0);
    await page.locator('form.search-form button[type="submit"]').click();
    await page.locator('.results .card').first().waitFor({ timeout: 10_000 });
    const cams = await page
      .locator('.results .card')
      .evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.camera ?? ''));
    expect(cams.length).toBeGreaterThan(0);
    expect(cams.filter((c) => !XIHU_SCOPE.includes(c))).toEqual([]);
    await shot(page, '08-search-hits-xihu-analyst');
    // Narrowed to one street (灵隐街道): only its cameras.
    const lingyin = camerasUnder('xihu-lingyin');
    await page.getByLabel(/^(区域|Area)$/).selectOption('xihu-lingyin');
    await page.locator('form.search-form button[type="submit"]').click();
    await expect
      .poll(
        async () => {
          const c = await page
            .locator('.results .card')
            .evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.camera ?? ''));
          return c.length > 0 && c.every((x) => lingyin.includes(x));
        },
        { timeout: 10_000 },
      )
      .toBe(true);
    // Live: a Gongshu hit never reaches a Xihu analyst's wall; a Xihu one does.
    await page.goto(`${stack.baseUrl}/#/live`);
    await page
      .locator('.view-live[data-live="connected"], .view-live[data-live="polling"]')
      .waitFor({ timeout: 10_000 });
    const other = vehicle('cam-gs-0002', Date.now(), '浙A9G3H1', 'blue');
    const mine = vehicle('cam-xh-0004', Date.now() + 1, '浙A1C4E7', 'green');
    await publish(other, true);
    await publish(mine, true);
    await page.locator(`[data-hit="${mine.id}"]`).waitFor({ timeout: 5000 });
    expect(await page.locator(`[data-hit="${other.id}"]`).count()).toBe(0);
    const wallCams = await page
      .locator('.wall .card')
      .evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.camera ?? ''));
    expect(wallCams.filter((c) => !XIHU_SCOPE.includes(c))).toEqual([]);
    await page.close();
  });

  it('statistics, cases and audit views render; labels switch language; every control is labelled', async () => {
    const page = await open(stack.adminKey, '#/stats');
    await page.locator('.view-stats .panel').first().waitFor();
    await page.locator('.chart .uplot').waitFor({ timeout: 10_000 });
    await page.locator('.org-panel .bars li').first().waitFor();
    await shot(page, '09-stats');
    // Org drill-down: the city's counties, then 西湖区's towns; a county's count is the sum of its towns'.
    const bars = async () =>
      page
        .locator('.org-panel .bars li')
        .evaluateAll((els) =>
          els.map(
            (e) =>
              [
                (e as HTMLElement).dataset.key,
                Number((e.querySelector('.num')?.textContent ?? '').replace(/\D/g, '')),
              ] as const,
          ),
        );
    const counties = new Map(await bars());
    expect([...counties.keys()].sort()).toEqual(['gongshu', 'xihu']);
    expect(counties.get('xihu')).toBeGreaterThan(0);
    await page.locator('.org-panel .bars li[data-key="xihu"] button').click();
    await expect
      .poll(async () => (await bars()).map(([k]) => k).sort())
      .toEqual(['xihu-beishan', 'xihu-lingyin']);
    expect((await bars()).reduce((a, [, n]) => a + n, 0)).toBe(counties.get('xihu'));
    await page.locator('.org-panel .bars li[data-key="xihu-lingyin"] button').click();
    await expect.poll(async () => (await bars()).map(([k]) => k)).toEqual(['xihu-lingyin-maojiabu']);
    await shot(page, '09b-stats-drilldown');
    // Something for the quarantine: a snapshot that is not a JPEG.
    await gws.get('gw-gongshu-01')!.snapshot(ulid(), Buffer.from('this is not a jpeg'));
    const adminTab = async (tab: string, text: RegExp) => {
      await expect
        .poll(
          async () => {
            await page.goto(`${stack.baseUrl}/#/admin?tab=${tab}`);
            await page.reload();
            await page.locator('.admin-body :is(table, .state:not(.loading))').first().waitFor();
            return (await page.locator('.admin-body').textContent()) ?? '';
          },
          { timeout: 10_000 },
        )
        .toMatch(text);
      await shot(page, `10-admin-${tab}`);
    };
    if (await hasRoute('/api/v1/cases')) {
      await adminTab('cases', /E2E hit-and-run/);
      // Close the hit-and-run case from its row.
      const row = page.locator('.admin-body tr', { hasText: 'E2E hit-and-run' });
      await row.locator('button', { hasText: /结案|Close case/ }).click();
      await expect.poll(() => row.textContent(), { timeout: 5000 }).toMatch(/已结案|closed/);
      await adminTab('audit', /GET \/vehicles\/route/);
    }
    if (await hasRoute('/api/v1/quarantine?from=0&to=1')) {
      await adminTab('quarantine', /INGEST_BAD_SNAPSHOT/);
      await adminTab('deadLetters', /暂无数据|Nothing here|jobId/);
    }
    // Unlabelled controls, across views.
    for (const hash of [
      '#/live',
      '#/search?tab=hits',
      '#/search?tab=vehicles',
      '#/route',
      '#/stats',
      '#/tasks',
      '#/admin',
    ]) {
      await page.goto(`${stack.baseUrl}/${hash}`);
      await page.locator('main.view').waitFor();
      const unlabelled = await page.evaluate(() =>
        Array.from(document.querySelectorAll('input, select, textarea, button'))
          .filter((el) => {
            const e = el as HTMLInputElement;
            const named =
              (e.labels?.length ?? 0) > 0 ||
              e.getAttribute('aria-label') ||
              (e.tagName === 'BUTTON' && e.textContent?.trim());
            return !named && e.type !== 'hidden';
          })
          .map((el) => el.outerHTML.slice(0, 80)),
      );
      expect(unlabelled, hash).toEqual([]);
    }
    // Language switch.
    await page.goto(`${stack.baseUrl}/#/live`);
    await page.getByLabel(/语言|Language/).selectOption('en');
    await expect.poll(() => page.locator('header nav a[aria-current="page"]').textContent()).toBe('Live');
    await expect
      .poll(() => page.locator('.wall .card time').first().textContent())
      .toMatch(/^\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    expect(await page.locator('.wall .card dt').first().textContent()).toMatch(/^[A-Za-z ]+$/);
    await shot(page, '11-live-en');
    await page.getByLabel(/语言|Language/).selectOption('zh');
    await expect.poll(() => page.locator('header nav a[aria-current="page"]').textContent()).toBe('实时');
    // Keyboard: the navigation is reachable and works with Tab and Enter.
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.evaluate(() => location.hash)).toBe('#/search');
    await page.close();
  });

  it('views load without layout jumps (cumulative layout shift < 0.1)', async () => {
    const page = await open(stack.adminKey, '#/live');
    const clsByView: Record<string, number> = {};
    figures.cls = clsByView;
    for (const hash of ['#/stats', '#/tasks', '#/admin?tab=cases', '#/search?tab=hits', '#/route']) {
      await page.goto('about:blank');
      await page.goto(`${stack.baseUrl}/${hash}`);
      await page.locator('main.view').waitFor();
      const cls = await page.evaluate(
        () =>
          new Promise<number>((resolve) => {
            let sum = 0;
            new PerformanceObserver((list) => {
              for (const e of list.getEntries() as (PerformanceEntry & {
                value: number;
                hadRecentInput: boolean;
              })[])
                if (!e.hadRecentInput) sum += e.value;
            }).observe({ type: 'layout-shift', buffered: true });
            setTimeout(() => resolve(sum), 1500);
          }),
      );
      clsByView[hash] = Math.round(cls * 1000) / 1000;
      expect(cls, hash).toBeLessThan(0.1);
    }
    await page.close();
    // Five views, each loaded and watched for 1.5 s: about 9 s alone, but more than 30 s in one
    // run under the whole suite's load (which step was slow was not recorded). A navigation that
    // hangs still fails, on Playwright's own 30 s bound, naming its URL.
  }, 90_000);

  it('fits a phone width without horizontal scrolling', async () => {
    const page = await open(stack.adminKey, '#/live');
    await page.setViewportSize({ width: 390, height: 844 });
    for (const hash of [
      '#/live',
      '#/search?tab=vehicles',
      '#/route',
      '#/tasks',
      '#/stats',
      '#/admin?tab=audit',
    ]) {
      await page.goto(`${stack.baseUrl}/${hash}`);
      await page.locator('main.view').waitFor();
      await page.waitForTimeout(300);
      const overflow = await page.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      );
      expect(overflow, hash).toBeLessThanOrEqual(0);
      await shot(page, `12-phone-${hash.replace(/[#/?=]+/g, '-').replace(/^-|-$/g, '')}`, false);
    }
    await page.close();
  });

  it('raised no script errors in any page', () => {
    expect(pageErrors).toEqual([]);
  });
});
