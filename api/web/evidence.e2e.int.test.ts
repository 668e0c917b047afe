/**
 * Task evidence and dashboard fixes in Debian's Chromium against `xueliang up`: an event with
 * its whole frame (box and zone drawn by the edge's encoder, edge-agent/event-frame.ts) and its
 * crop reaches a grid member's task card; the details dialog shows both large; a notification's
 * link opens the task and asks to confirm; Back closes a dialog; no favicon 404; camera health
 * shows the gateway's error text; a 390 px phone breaks no word. Screenshots go to
 * test-artifacts/dashboard/evidence-*.png.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import sharp from 'sharp';
import { ulid } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeHit } from '../../contracts/testkit.js';
import { NO_TEST_DATA, testDataDir } from '../../contracts/testdata.js';
import { encodeEventFrame } from '../../edge-agent/event-frame.js';
import { buildWeb } from './build.js';
import {
  chromiumAvailable,
  launchBrowser,
  PRINCIPALS,
  type Stack,
  shot,
  signIn,
  startStack,
  TestGateway,
} from './e2e/testkit.js';

const HAVE_CHROMIUM = chromiumAvailable();
const DATA = testDataDir();
const STREET = DATA ? join(DATA, 'images', 'expressway_dashcam_cn.jpg') : '';

let stack: Stack;
let browser: BrowserContext;
let closeBrowser: (() => Promise<void>) | undefined;
let gw: TestGateway;
const pageErrors: string[] = [];
const notFound: string[] = [];
const event = makeHit({
  camera: 'cam-xh-0001',
  gateway: 'gw-xihu-01',
  kind: 'event',
  type: 'illegal_parking',
  label: 'car',
  zone: 'kerb',
  rule: 'kerb',
  snapshot: ulid(),
  frame: ulid(),
  box: [0.55, 0.5, 0.8, 0.85],
  tsMs: Date.now() - 5000,
});

async function open(key: string, hash: string): Promise<Page> {
  const page = await signIn(browser, stack.baseUrl, key, hash);
  page.on('pageerror', (e) => pageErrors.push(`${page.url()}: ${e.message}`));
  page.on('response', (r) => {
    if (r.status() === 404) notFound.push(r.url());
  });
  return page;
}

/** Whether a canvas shows an image: most of it differs from the empty placeholder's fill (#14202e). */
function drawn(page: Page, selector: string): Promise<boolean> {
  return page
    .locator(selector)
    .first()
    .evaluate((c: HTMLCanvasElement) => {
      const g = c.getContext('2d');
      if (!g) return false;
      const d = g.getImageData(0, 0, c.width, c.height).data;
      let differ = 0;
      let n = 0;
      for (let i = 0; i < d.length; i += 4 * 7) {
        n++;
        if (Math.abs(d[i]! - 0x14) + Math.abs(d[i + 1]! - 0x20) + Math.abs(d[i + 2]! - 0x2e) > 30) differ++;
      }
      return differ / n > 0.3;
    });
}

if (!DATA) process.stderr.write(`${NO_TEST_DATA}\n`);

describe.skipIf(!HAVE_CHROMIUM || !DATA)('task evidence and dashboard fixes in Chromium', () => {
  beforeAll(async () => {
    await buildWeb();
    stack = await startStack({});
    gw = await TestGateway.connect(stack.mqttUrl, 'gw-xihu-01');
    // The edge's own encoders: a real street frame with the box and a kerb zone drawn, and the crop.
    const { data, info } = await sharp(readFileSync(STREET))
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    const rgb = { data: new Uint8Array(data), width: info.width, height: info.height };
    const frame = await encodeEventFrame(
      rgb,
      {
        boxNorm: event.box,
        zone: [
          [0.5, 0.45],
          [0.95, 0.45],
          [0.95, 0.95],
          [0.5, 0.95],
        ],
        isLine: false,
      },
      { quality: 80, maxSidePx: 640 },
    );
    const [x1, y1, x2, y2] = event.box;
    const crop = await sharp(readFileSync(STREET))
      .extract({
        left: Math.round(x1 * info.width),
        top: Math.round(y1 * info.height),
        width: Math.round((x2 - x1) * info.width),
        height: Math.round((y2 - y1) * info.height),
      })
      .jpeg()
      .toBuffer();
    await gw.snapshot(event.snapshot!, crop);
    await gw.snapshot(event.frame!, frame);
    await gw.hits([event]);
    // A camera that cannot connect: its gateway says why.
    const now = Date.now();
    await gw.status({
      v: 1,
      gateway: 'gw-xihu-01',
      state: 'online',
      tsMs: now,
      cameras: {
        'cam-xh-0002': {
          state: 'reconnecting',
          tsMs: now - 30_000,
          reconnects: 4,
          framesIn: 0,
          lastFrameMs: null,
          framesProcessed: 0,
          framesDropped: 0,
          error: { code: 'EDGE_RTSP_FAILED', message: 'rtsp://10.0.0.7:554/stream1: Connection refused' },
          retryInMs: 8000,
        },
      },
    });
    ({ browser, close: closeBrowser } = await launchBrowser());
  }, 150_000);

  afterAll(async () => {
    await closeBrowser?.().catch(() => undefined);
    await gw?.close().catch(() => undefined);
    await stack?.stop();
  }, 60_000);

  it("a grid member's task card shows the event's frame (box and zone drawn) beside the crop", async () => {
    const page = await open(PRINCIPALS.gridXh01.key, '#/tasks');
    const card = page.locator('[data-col="open"] article.task').first();
    await card.waitFor({ timeout: 15_000 });
    await page.locator('article.task .evidence canvas.frame').first().waitFor();
    await expect
      .poll(() => drawn(page, 'article.task .evidence canvas.frame'), { timeout: 10_000 })
      .toBe(true);
    await expect
      .poll(() => drawn(page, 'article.task .evidence canvas.crop'), { timeout: 10_000 })
      .toBe(true);
    expect(await card.locator('canvas.frame').getAttribute('data-frame')).toBe(event.frame);
    await shot(page, 'evidence-01-task-card');

    // The details dialog: both large, with the actions.
    await card.locator('.evidence').click();
    const dlg = page.locator('dialog.task-details[open]');
    await dlg.waitFor();
    await expect.poll(() => drawn(page, 'dialog.task-details canvas.frame'), { timeout: 10_000 }).toBe(true);
    expect(await dlg.locator('button[data-action="accept"]').count()).toBe(1);
    await shot(page, 'evidence-02-task-dialog', false);
    await dlg.locator('button', { hasText: /关闭|Close/ }).click();
    await page.close();
  });

  it('a notification link opens the task and asks to confirm the action; Back closes a dialog', async () => {
    const page = await open(PRINCIPALS.gridXh01.key, '#/live');
    await page.goto(`${stack.baseUrl}/#/tasks`);
    const card = page.locator('[data-col="open"] article.task').first();
    await card.waitFor({ timeout: 15_000 });
    const taskId = (await card.getAttribute('data-task'))!;

    // Back closes the dialog with the view it belonged to.
    await card.locator('.evidence').click();
    await page.locator('dialog.task-details[open]').waitFor();
    await page.goBack();
    await page.locator('main.view-live').waitFor();
    expect(await page.locator('dialog[open]').count()).toBe(0);

    // The link a DingTalk button carries (contracts/links.ts): the task opens, the note asks.
    await page.goto(`${stack.baseUrl}/#/tasks?id=${taskId}&action=accept`);
    await page.locator('dialog.task-details[open]').waitFor({ timeout: 10_000 });
    await page.locator('dialog.note-dialog[open] textarea').fill('收到，马上到 on my way');
    await shot(page, 'evidence-03-link-accept', false);
    await page.locator('dialog.note-dialog button[value="ok"]').click();
    await page.locator(`[data-col="accepted"] [data-task="${taskId}"]`).waitFor({ timeout: 10_000 });
    await expect.poll(() => page.locator('dialog[open]').count(), { timeout: 5000 }).toBe(0);
    await page.close();
  });

  it("camera health shows the gateway's error text, and the hit dialog the frame beside the crop", async () => {
    const page = await open(stack.adminKey, '#/stats');
    const err = page.locator('.cam-error', { hasText: 'Connection refused' });
    await err.waitFor({ timeout: 15_000 });
    expect(await err.getAttribute('title')).toBe('EDGE_RTSP_FAILED');
    await err.scrollIntoViewIfNeeded();
    await shot(page, 'evidence-04-camera-health');

    await page.goto(`${stack.baseUrl}/#/search?tab=hits`);
    await page.locator('form.search-form').first().waitFor();
    await page.locator('form.search-form button[type="submit"]').first().click();
    const hitCard = page.locator(`article.card[data-hit="${event.id}"]`);
    await hitCard.waitFor({ timeout: 15_000 });
    await hitCard.locator('button.card-open').click();
    await page.locator('dialog.details[open] .evidence canvas.frame').waitFor();
    await expect.poll(() => drawn(page, 'dialog.details canvas.frame'), { timeout: 10_000 }).toBe(true);
    await shot(page, 'evidence-05-hit-dialog', false);
    await page.close();
  });

  it('the Vehicles tab finds a vehicle by colour and type without a plate', async () => {
    // A white van whose plate was not read, and a red car that must not match.
    const van = makeHit({
      camera: 'cam-xh-0002',
      gateway: 'gw-xihu-01',
      kind: 'sighting',
      type: 'vehicle',
      label: 'truck',
      attrs: { color: 'white', vehicleType: 'van' },
      tsMs: Date.now() - 60_000,
    });
    const car = makeHit({
      camera: 'cam-xh-0002',
      gateway: 'gw-xihu-01',
      kind: 'sighting',
      type: 'vehicle',
      label: 'car',
      attrs: { color: 'red', vehicleType: 'car' },
      tsMs: Date.now() - 50_000,
    });
    await gw.hits([van, car]);
    const page = await open(stack.adminKey, '#/search?tab=vehicles');
    await page.getByLabel(/新建案件|Open a new case/).fill('E2E 白色面包车 white van');
    await page.locator('form.case-new button[type="submit"]').click();
    await expect.poll(() => page.locator('.case-bar select').inputValue(), { timeout: 5000 }).not.toBe('');
    // One date format: the time fields read like every other time on the page (YYYY-MM-DD HH:mm).
    const from = await page
      .getByLabel(/^(从|开始|From)$/)
      .first()
      .inputValue();
    expect(from).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/);
    await page.getByLabel(/^(颜色|Colour|Color)$/).selectOption('white');
    await page.getByLabel(/^(车型|Vehicle type)$/).selectOption('van');
    await expect
      .poll(
        async () => {
          await page.locator('form.search-form button[type="submit"]').click();
          await page.waitForTimeout(500);
          return page
            .locator('.results .card')
            .evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.hit));
        },
        { timeout: 15_000 },
      )
      .toContain(van.id);
    const shown = await page
      .locator('.results .card')
      .evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.hit));
    expect(shown).not.toContain(car.id);
    await shot(page, 'evidence-07-vehicles-by-colour-type');
    await page.close();
  });

  it('route markers and timeline ticks do not hide one another', async () => {
    // Four sightings seconds apart, twice at one camera, on cameras a few hundred metres apart.
    const plate = '浙A5E2E1';
    const t0 = Date.now() - 120_000;
    const stops = ['cam-xh-0001', 'cam-xh-0002', 'cam-xh-0001', 'cam-xh-0003'].map((camera, i) =>
      makeHit({
        camera,
        gateway: 'gw-xihu-01',
        kind: 'sighting',
        type: 'vehicle',
        label: 'car',
        attrs: { plate, plateScore: 0.9, color: 'black', vehicleType: 'car' },
        tsMs: t0 + i * 4000,
      }),
    );
    await gw.hits(stops);
    const page = await open(stack.adminKey, `#/route?plate=${encodeURIComponent(plate)}`);
    await page.getByLabel(/新建案件|Open a new case/).fill('E2E 轨迹 route');
    await page.locator('form.case-new button[type="submit"]').click();
    await expect
      .poll(
        async () => {
          await page.locator('form.search-form button[type="submit"]').click();
          await page.waitForTimeout(500);
          return page.locator('svg.route-map g.hop').count();
        },
        { timeout: 15_000 },
      )
      .toBe(4);
    const centres = await page
      .locator('svg.route-map g.hop circle')
      .evaluateAll((els) =>
        els.map((e) => ({ x: Number(e.getAttribute('cx')), y: Number(e.getAttribute('cy')) })),
      );
    for (let i = 0; i < centres.length; i++)
      for (let j = i + 1; j < centres.length; j++)
        expect(
          Math.hypot(centres[i]!.x - centres[j]!.x, centres[i]!.y - centres[j]!.y),
          `${i}-${j}`,
        ).toBeGreaterThanOrEqual(24);
    const ticks = await page
      .locator('svg.timeline g.tick circle')
      .evaluateAll((els) => els.map((e) => Number(e.getAttribute('cx'))));
    expect(ticks).toHaveLength(4);
    for (let i = 1; i < ticks.length; i++) expect(ticks[i]! - ticks[i - 1]!).toBeGreaterThanOrEqual(20);
    await shot(page, 'evidence-08-route-markers');
    await page.close();
  });

  it('serves a favicon (no 404 on any page) and breaks no word on a 390 px phone', async () => {
    const ico = await fetch(`${stack.baseUrl}/favicon.ico`);
    expect(ico.status).toBe(200);
    expect(ico.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
    const page = await open(PRINCIPALS.gridXh01.key, '#/tasks');
    await page.setViewportSize({ width: 390, height: 844 });
    await page.locator('article.task').first().waitFor({ timeout: 15_000 });
    await page.waitForTimeout(500);
    // No text node is split inside a word: every element's words fit its width.
    const broken = await page.evaluate(() => {
      const out: string[] = [];
      for (const el of document.querySelectorAll<HTMLElement>(
        'main dd, main dt, main h3, main h2, header a',
      )) {
        const words = (el.textContent ?? '').split(/\s+/).filter((w) => /^[A-Za-z]{4,}$/.test(w));
        if (!words.length) continue;
        const range = document.createRange();
        range.selectNodeContents(el);
        const lines = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
        // A single word spread over several lines was broken mid-word.
        if (words.length === 1 && (el.textContent ?? '').trim() === words[0] && lines.size > 1)
          out.push(words[0]!);
      }
      return out;
    });
    expect(broken).toEqual([]);
    await shot(page, 'evidence-06-phone-tasks');
    await page.close();
    expect(notFound.filter((u) => !u.includes('/api/'))).toEqual([]);
  });

  it('raised no script errors', () => {
    expect(pageErrors).toEqual([]);
  });
});
