/**
 * What a group-robot message says about a task change (docs/alerts.md, "DingTalk and WeCom"),
 * before either platform's format: a title, facts, the evidence image and the links. Chinese,
 * for grid members; times in the city's time zone. Pure.
 */
import type { TaskNotice } from '../../../contracts/task-notice.js';
import type { TaskLinks } from '../../../contracts/links.js';

export const EVENT_LABELS: Readonly<Record<TaskNotice['event'], string>> = {
  opened: '新任务',
  hits_added: '新命中',
  accepted: '已接单',
  resolved: '已办结',
  escalated: '已升级',
  nearby_added: '附近画面',
};

const PRIORITY_LABELS: Readonly<Record<TaskNotice['task']['priority'], string>> = {
  low: '低',
  normal: '普通',
  high: '高',
  urgent: '紧急',
};

export interface NoticeContent {
  title: string;
  facts: Array<[string, string]>;
  /** Signed link to the evidence image (the event's frame with the box, else the crop); '' when none. */
  image: string;
  /** Signed link to the crop, when the image above is the frame; else ''. */
  crop: string;
  links: TaskLinks;
  /** Ask for attention (@-mentions): a new task, or one that climbed to another org. */
  urgent: boolean;
}

/** `YYYY-MM-DD HH:mm:ss` in a time zone. */
export function localTime(tsMs: number, timeZone: string): string {
  return new Intl.DateTimeFormat('sv-SE', {
    timeZone,
    dateStyle: 'short',
    timeStyle: 'medium',
    hourCycle: 'h23',
  }).format(tsMs);
}

export interface ContentOptions {
  timeZone: string;
  links: TaskLinks;
  image: string;
  crop: string;
}

export function noticeContent(n: TaskNotice, o: ContentOptions): NoticeContent {
  const t = n.task;
  const facts: Array<[string, string]> = [
    ['摄像头', t.zone ? `${t.camera}（区域 ${t.zone}）` : t.camera],
    ['网格', t.org === t.grid ? t.grid : `${t.grid}，现由 ${t.org} 处理`],
    ['时间', localTime(t.lastHitMs, o.timeZone)],
    ['优先级', PRIORITY_LABELS[t.priority]],
    ['命中', `${t.hitCount} 次`],
  ];
  if (t.deadlineMs !== null && (n.event === 'opened' || n.event === 'escalated'))
    facts.push(['接单时限', localTime(t.deadlineMs, o.timeZone)]);
  if (n.event !== 'opened' && n.event !== 'hits_added') facts.push(['操作人', n.by]);
  if (t.note && (n.event === 'accepted' || n.event === 'resolved' || n.event === 'escalated'))
    facts.push(['备注', t.note]);
  return {
    title: `【雪亮】${EVENT_LABELS[n.event]}：${t.title || t.id}`,
    facts,
    image: o.image,
    crop: o.crop,
    links: o.links,
    urgent: n.event === 'opened' || n.event === 'escalated',
  };
}

/** Markdown both platforms render: a heading, the facts as a list, the image (DingTalk shows it), links. */
export function markdownBody(c: NoticeContent, o: { images: boolean; actions: boolean }): string {
  const lines = [`### ${c.title}`, ...c.facts.map(([k, v]) => `- ${k}：${v}`)];
  if (c.image) lines.push(o.images ? `\n![现场画面](${c.image})` : `\n[现场画面](${c.image})`);
  if (c.crop) lines.push(`[目标特写](${c.crop})`);
  const links: string[] = [];
  if (c.links.view) links.push(`[查看任务](${c.links.view})`);
  if (o.actions && c.links.accept) links.push(`[接单](${c.links.accept})`, `[办结](${c.links.resolve})`);
  if (links.length) lines.push(`\n${links.join('　')}`);
  return lines.join('\n');
}
