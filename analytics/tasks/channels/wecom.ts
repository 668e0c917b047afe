/**
 * WeCom group robots (企业微信群机器人): markdown and news messages. The `key` in the webhook URL
 * is the only credential (no signing). Markdown content is limited to 4096 bytes and shows no
 * images, so the evidence goes as a link; a news card shows it as its picture. A robot answers
 * `{ "errcode": 0, "errmsg": "ok" }` on success. Pure.
 */
import { markdownBody, type NoticeContent } from './content.js';

export const WECOM_MARKDOWN_MAX_BYTES = 4096;

/** Error codes a retry cannot fix: invalid or removed webhook key. */
export const WECOM_PERMANENT = new Set([93000, 40058, 40008]);

export function wecomMessage(format: 'markdown' | 'news', c: NoticeContent): object {
  if (format === 'news') {
    const facts = c.facts.map(([k, v]) => `${k}：${v}`).join('\n');
    return {
      msgtype: 'news',
      news: {
        articles: [
          {
            title: c.title,
            description: facts,
            ...(c.links.view ? { url: c.links.view } : {}),
            ...(c.image ? { picurl: c.image } : {}),
          },
        ],
      },
    };
  }
  let content = markdownBody(c, { images: false, actions: true });
  // Over the limit (a long note): drop facts from the end, keep title and links.
  while (Buffer.byteLength(content) > WECOM_MARKDOWN_MAX_BYTES && c.facts.length > 1) {
    c = { ...c, facts: c.facts.slice(0, -1) };
    content = markdownBody(c, { images: false, actions: true });
  }
  return { msgtype: 'markdown', markdown: { content } };
}
