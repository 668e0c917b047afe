/** The robot message builders: DingTalk's signature, the time zone, WeCom's size limit, no links without a public URL. */
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { taskLinks } from '../../../contracts/links.js';
import type { TaskNotice } from '../../../contracts/task-notice.js';
import { localTime, noticeContent } from './content.js';
import { dingtalkMessage, dingtalkSign, dingtalkUrl } from './dingtalk.js';
import { WECOM_MARKDOWN_MAX_BYTES, wecomMessage } from './wecom.js';

const NOW = Date.now();
const notice = (
  over: Partial<TaskNotice['task']> = {},
  event: TaskNotice['event'] = 'opened',
): TaskNotice => ({
  v: 1,
  event,
  by: event === 'opened' ? 'system' : 'member-1',
  tsMs: NOW,
  task: {
    id: 'T1',
    version: 1,
    status: 'open',
    source: { kind: 'rule', ruleId: 'park' },
    title: '违停',
    priority: 'urgent',
    cooldownKey: 'k',
    camera: 'cam-1',
    zone: '',
    grid: 'grid-1',
    orgPath: ['city', 'grid-1'],
    org: 'grid-1',
    level: 'grid',
    slaMs: { gridMs: 1000, villageMs: 1000, townMs: 1000, countyMs: 1000 },
    hits: [{ id: 'h1', tsMs: NOW, snapshot: 's1' }],
    hitCount: 1,
    firstHitMs: NOW,
    lastHitMs: NOW,
    snapshot: 's1',
    openedMs: NOW,
    updatedMs: NOW,
    deadlineMs: NOW + 900_000,
    escalations: 0,
    acceptedBy: null,
    disposition: null,
    note: '',
    ...over,
  },
});
const content = (n: TaskNotice, publicUrl = 'https://xl.example') =>
  noticeContent(n, {
    timeZone: 'Asia/Shanghai',
    links: taskLinks(publicUrl, n.task.id),
    image: '',
    crop: '',
  });

describe('robot messages', () => {
  it('sign DingTalk calls as documented: base64 HmacSHA256(secret, ts\\nsecret), URL-encoded', () => {
    const ts = NOW;
    const want = createHmac('sha256', 'SECabc').update(`${ts}\nSECabc`).digest('base64');
    expect(dingtalkSign('SECabc', ts)).toBe(want);
    const u = new URL(dingtalkUrl('https://oapi.dingtalk.com/robot/send?access_token=t', 'SECabc', ts));
    expect(u.searchParams.get('access_token')).toBe('t');
    expect(u.searchParams.get('timestamp')).toBe(String(ts));
    expect(u.searchParams.get('sign')).toBe(want); // URLSearchParams decodes what encodeURIComponent encoded
    expect(dingtalkUrl('https://x/robot/send?access_token=t', '', ts)).toBe(
      'https://x/robot/send?access_token=t',
    );
  });

  it('write times in the city time zone (Shanghai: UTC+8, no daylight saving)', () => {
    const shifted = new Date(NOW + 8 * 3_600_000).toISOString(); // UTC+8 spelled in UTC
    expect(localTime(NOW, 'Asia/Shanghai')).toBe(`${shifted.slice(0, 10)} ${shifted.slice(11, 19)}`);
  });

  it('keep a WeCom markdown message within 4096 bytes, links kept', () => {
    const n = notice(
      { note: '很长的备注'.repeat(400), status: 'accepted', acceptedBy: 'member-1' },
      'accepted',
    );
    const m = wecomMessage('markdown', content(n)) as { markdown: { content: string } };
    expect(Buffer.byteLength(m.markdown.content)).toBeLessThanOrEqual(WECOM_MARKDOWN_MAX_BYTES);
    expect(m.markdown.content).toContain('[查看任务](https://xl.example/#/tasks?id=T1)');
  });

  it('send a plain markdown (no buttons, no links) when there is no public URL', () => {
    const m = dingtalkMessage('actionCard', content(notice(), ''), ['13800000000']) as {
      msgtype: string;
      markdown: { text: string };
    };
    expect(m.msgtype).toBe('markdown');
    expect(m.markdown.text).not.toContain('](');
    expect(m.markdown.text).toContain('优先级：紧急');
    expect(m.markdown.text).toContain('@13800000000');
  });
});
