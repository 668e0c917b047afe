/**
 * DingTalk and WeCom group robots on real parts: the alert engine on Redis (BullMQ) opens a
 * task, and the messages arrive at a local HTTP receiver that checks them the way each platform
 * documents: DingTalk recomputes `sign` from `timestamp` and the robot's secret
 * (Base64(HmacSHA256(secret, timestamp + "\n" + secret)), URL-encoded in the query) and refuses
 * a timestamp more than an hour off; WeCom checks the `key`. A refusing robot ends in the dead
 * letters at once, a failing one after its retries, and no secret reaches the logs.
 */
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CityConfig } from '../../../contracts/config/index.js';
import { verifyMediaSignature } from '../../../contracts/links.js';
import { makeHit } from '../../../contracts/testkit.js';
import { type AlertEngine, createAlertEngine } from '../service.js';
import { alertCity, dropPrefix, TEST_REDIS_URL, type TempStore, tempStore, until } from '../testkit.js';

const DING_TOKEN = 'dingtoken0123456789abcdef';
const DING_SECRET = 'SECd1e2a3d4b5e6e7f8a9b0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2';
const WECOM_KEY = '693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa';
const LINK_SECRET = 'link-secret-for-tests-0123456789-abcdef';
const PUBLIC_URL = 'https://xueliang.example.gov.cn';

interface Received {
  path: string;
  query: URLSearchParams;
  body: Record<string, unknown>;
  verdict: 'ok' | 'bad-sign' | 'stale' | 'bad-key';
}

/** A stand-in for both platforms, checking what each documents. */
class Receiver {
  readonly got: Received[] = [];
  server!: Server;
  base = '';
  /** Paths that answer like a robot over its rate limit (DingTalk 130101), always. */
  readonly throttled = new Set<string>();

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      let raw = '';
      req.on('data', (b: Buffer) => (raw += b.toString()));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://x');
        const body = JSON.parse(raw) as Record<string, unknown>;
        const answer = (errcode: number, errmsg: string, verdict: Received['verdict']) => {
          this.got.push({ path: url.pathname, query: url.searchParams, body, verdict });
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ errcode, errmsg }));
        };
        if (this.throttled.has(url.pathname)) return answer(130101, 'send too fast', 'ok');
        if (url.pathname.startsWith('/robot/send')) {
          // DingTalk: the token must be ours; a signed robot needs timestamp and sign.
          if (url.searchParams.get('access_token') !== DING_TOKEN)
            return answer(300001, 'token is not exist', 'bad-key');
          const ts = url.searchParams.get('timestamp') ?? '';
          const sign = url.searchParams.get('sign') ?? '';
          const want = createHmac('sha256', DING_SECRET).update(`${ts}\n${DING_SECRET}`).digest('base64');
          if (!ts || sign !== want) return answer(310000, 'sign not match', 'bad-sign');
          if (Math.abs(Date.now() - Number(ts)) > 3_600_000)
            return answer(310000, 'timestamp invalid', 'stale');
          return answer(0, 'ok', 'ok');
        }
        if (url.pathname === '/cgi-bin/webhook/send') {
          if (url.searchParams.get('key') !== WECOM_KEY)
            return answer(93000, 'invalid webhook url', 'bad-key');
          return answer(0, 'ok', 'ok');
        }
        res.writeHead(404);
        res.end();
      });
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', () => r()));
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }
}

const rx = new Receiver();
let logs = '';
let cfg: Readonly<CityConfig>;
let ts: TempStore;
let engine: AlertEngine;
const registry = new Registry();

beforeAll(async () => {
  await rx.start();
  const channel = (
    id: string,
    org: string,
    kind: string,
    url: string,
    extra: Record<string, unknown> = {},
  ) => ({
    id,
    org,
    kind,
    url,
    ...extra,
  });
  cfg = alertCity(
    {
      rules: [
        {
          id: 'parking',
          title: '违停',
          match: { types: ['illegal_parking'] },
          cooldownMs: 60_000,
          priority: 'high',
        },
      ],
      webhookAttempts: 3,
      webhookBackoffMs: 50,
      channels: [
        channel('ding-grid-a', 'grid-a', 'dingtalk', `${rx.base}/robot/send?access_token=${DING_TOKEN}`, {
          secret: DING_SECRET,
          format: 'actionCard',
          atMobiles: ['13800000000'],
        }),
        channel('ding-village', 'village-a', 'dingtalk', `${rx.base}/robot/send?access_token=${DING_TOKEN}`, {
          secret: DING_SECRET,
          format: 'markdown',
          events: ['opened', 'accepted'],
        }),
        channel('wecom-town', 'town-a', 'wecom', `${rx.base}/cgi-bin/webhook/send?key=${WECOM_KEY}`, {
          format: 'news',
        }),
        channel('wecom-md', 'town-a', 'wecom', `${rx.base}/cgi-bin/webhook/send?key=${WECOM_KEY}`),
        // A robot with a wrong secret: DingTalk refuses the signature, no retry helps.
        channel('ding-wrong', 'grid-a', 'dingtalk', `${rx.base}/robot/send?access_token=${DING_TOKEN}`, {
          secret: 'SECwrong-secret-0123456789abcdef',
        }),
        // A robot over its rate limit: retried, then a dead letter.
        channel('ding-busy', 'grid-a', 'dingtalk', `${rx.base}/robot/busy?access_token=${DING_TOKEN}`),
        // Another grid's robot hears nothing of grid-a.
        channel('ding-grid-c', 'grid-c', 'dingtalk', `${rx.base}/robot/send?access_token=${DING_TOKEN}`, {
          secret: DING_SECRET,
        }),
      ],
    },
    {},
  );
  cfg = { ...cfg, api: { ...cfg.api, publicUrl: PUBLIC_URL, linkSecret: LINK_SECRET, linkTtlSec: 3600 } };
  rx.throttled.add('/robot/busy');
  ts = await tempStore(cfg);
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logs += chunk.toString();
      cb();
    },
  });
  engine = await createAlertEngine({
    config: cfg,
    store: ts.store,
    redisUrl: TEST_REDIS_URL,
    log: pino({ level: 'debug' }, sink),
    registry,
  });
}, 60_000);

afterAll(async () => {
  await engine?.close();
  await ts?.close();
  await dropPrefix(TEST_REDIS_URL, cfg.redis.prefix);
  rx.server?.close();
});

describe('DingTalk and WeCom robots', () => {
  it('deliver a new task, signed as DingTalk documents, to the robots of its org path only', async () => {
    const hit = makeHit({
      gateway: 'gw-1',
      camera: 'cam-a',
      kind: 'event',
      type: 'illegal_parking',
      label: 'car',
      zone: 'kerb',
      rule: 'kerb',
      snapshot: 'snap-a-0001',
      tsMs: Date.now() - 1000,
    });
    await engine.onHits([hit]);
    // ding-grid-a, ding-village, wecom-town, wecom-md; ding-wrong is refused once.
    expect(
      await until(
        () => rx.got.filter((g) => g.verdict === 'ok' && !g.path.includes('busy')).length >= 4,
        15_000,
      ),
    ).toBe(true);
    // …and ding-wrong's refused call (its worker may run after the others).
    expect(await until(() => rx.got.some((g) => g.verdict === 'bad-sign'), 15_000)).toBe(true);
    const ok = rx.got.filter((g) => g.verdict === 'ok' && !g.path.includes('busy'));
    const ding = ok.filter((g) => g.path === '/robot/send');
    expect(ding.map((g) => g.body.msgtype).sort()).toEqual(['actionCard', 'markdown']);
    for (const g of ding)
      expect(Math.abs(Number(g.query.get('timestamp')) - Date.now())).toBeLessThan(60_000);

    const card = ding.find((g) => g.body.msgtype === 'actionCard')!.body as {
      actionCard: { title: string; text: string; btns: Array<{ title: string; actionURL: string }> };
      at: { atMobiles: string[] };
    };
    expect(card.actionCard.title).toBe('【雪亮】新任务：违停');
    expect(card.actionCard.text).toContain('cam-a（区域 kerb）');
    expect(card.actionCard.text).toContain('@13800000000');
    expect(card.at.atMobiles).toEqual(['13800000000']);
    const task = (await engine.list({ org: 'city', limit: 10 }))[0]!;
    expect(card.actionCard.btns).toEqual([
      { title: '接单', actionURL: `${PUBLIC_URL}/#/tasks?id=${task.id}&action=accept` },
      { title: '办结', actionURL: `${PUBLIC_URL}/#/tasks?id=${task.id}&action=resolve` },
      { title: '查看', actionURL: `${PUBLIC_URL}/#/tasks?id=${task.id}` },
    ]);
    // The evidence image: an expiring signed link the API verifies (api/routes/media.ts).
    const img = /!\[[^\]]*\]\(([^)]+)\)/.exec(card.actionCard.text)![1]!;
    const u = new URL(img);
    expect(u.origin + u.pathname).toBe(`${PUBLIC_URL}/media/snapshots/${hit.snapshot}`);
    expect(
      verifyMediaSignature(
        LINK_SECRET,
        hit.snapshot!,
        Number(u.searchParams.get('exp')),
        u.searchParams.get('sig')!,
        Date.now(),
      ),
    ).toBe(true);

    const wecom = ok.filter((g) => g.path === '/cgi-bin/webhook/send');
    const news = wecom.find((g) => g.body.msgtype === 'news')!.body as {
      news: { articles: Array<{ title: string; url: string; picurl: string; description: string }> };
    };
    expect(news.news.articles[0]).toMatchObject({
      title: '【雪亮】新任务：违停',
      url: `${PUBLIC_URL}/#/tasks?id=${task.id}`,
    });
    expect(news.news.articles[0]!.picurl).toContain(`/media/snapshots/${hit.snapshot}?exp=`);
    expect(news.news.articles[0]!.description).toContain('优先级：高');
    const md = wecom.find((g) => g.body.msgtype === 'markdown')!.body as { markdown: { content: string } };
    expect(md.markdown.content).toContain(`[接单](${PUBLIC_URL}/#/tasks?id=${task.id}&action=accept)`);
    expect(Buffer.byteLength(md.markdown.content)).toBeLessThanOrEqual(4096);
    // grid-c's robot heard nothing (every DingTalk call went to a grid-a or village-a robot).
    expect(rx.got.filter((g) => g.path === '/robot/send')).toHaveLength(3); // grid-a, village, wrong secret
  });

  it('sends a change only to the robots that want that event', async () => {
    const [task] = await engine.list({ org: 'city', limit: 10 });
    const before = rx.got.length;
    await engine.act(task!.id, 'accept', { by: 'member-1', note: '马上到' });
    expect(await until(() => rx.got.slice(before).some((g) => g.path !== '/robot/busy'), 10_000)).toBe(true);
    await new Promise((r) => setTimeout(r, 500));
    const after = rx.got.slice(before).filter((g) => g.verdict === 'ok' && g.path !== '/robot/busy');
    // Only ding-village asked for `accepted`.
    expect(after).toHaveLength(1);
    const text = (after[0]!.body as { markdown: { text: string } }).markdown.text;
    expect(text).toContain('【雪亮】已接单：违停');
    expect(text).toContain('操作人：member-1');
    expect(text).toContain('备注：马上到');
  });

  it('dead-letters a refused signature at once and a throttled robot after its retries; never logs a secret', async () => {
    expect(await until(async () => (await engine.webhookDeadLetters(100)).length >= 2, 15_000)).toBe(true);
    const dead = await engine.webhookDeadLetters(100);
    const wrong = dead.find((d) => d.hook === 'ding-wrong')!;
    expect(wrong.attemptsMade).toBe(1);
    expect(wrong.failedReason).toMatch(/errcode 310000/);
    const busy = dead.find((d) => d.hook === 'ding-busy')!;
    expect(busy.attemptsMade).toBe(3);
    expect(busy.failedReason).toMatch(/errcode 130101/);
    expect(rx.got.filter((g) => g.path === '/robot/busy')).toHaveLength(3);
    const text = await registry.getSingleMetricAsString('xueliang_channel_messages_total');
    expect(text).toMatch(/xueliang_channel_messages_total\{channel="ding-grid-a",result="ok"\} 1/);
    expect(text).toMatch(/xueliang_channel_messages_total\{channel="ding-busy",result="dead"\} 1/);
    expect(text).toMatch(/xueliang_channel_messages_total\{channel="ding-wrong",result="dead"\} 1/);
    expect(logs).toContain('robot message dead letter');
    for (const secret of [
      DING_TOKEN,
      DING_SECRET,
      WECOM_KEY,
      'SECwrong-secret-0123456789abcdef',
      LINK_SECRET,
    ])
      expect(logs + JSON.stringify(dead)).not.toContain(secret);
  });
});
