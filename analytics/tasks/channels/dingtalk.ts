/**
 * DingTalk custom robots (钉钉自定义机器人, and 浙政钉's, which speak the same protocol): the
 * signed-timestamp security setting and the markdown and actionCard messages. Pure.
 *
 * Signing (加签), as DingTalk documents it: `stringToSign = timestamp + "\n" + secret`,
 * `sign = urlEncode(base64(HmacSHA256(key = secret, message = stringToSign)))`, both sent as
 * query parameters; the timestamp is epoch ms and must be within an hour of DingTalk's clock.
 * A robot answers `{ "errcode": 0, "errmsg": "ok" }` on success.
 */
import { createHmac } from 'node:crypto';
import { markdownBody, type NoticeContent } from './content.js';

/** base64(HmacSHA256(secret, `${timestampMs}\n${secret}`)), not yet URL-encoded. */
export function dingtalkSign(secret: string, timestampMs: number): string {
  return createHmac('sha256', secret).update(`${timestampMs}\n${secret}`).digest('base64');
}

/** The URL to POST to: the robot URL plus `timestamp` and `sign` when the robot is signed. */
export function dingtalkUrl(url: string, secret: string, timestampMs: number): string {
  if (!secret) return url;
  const sep = url.includes('?') ? '&' : '?';
  return `${url}${sep}timestamp=${timestampMs}&sign=${encodeURIComponent(dingtalkSign(secret, timestampMs))}`;
}

/** Error codes a retry cannot fix: bad signature, keyword or IP (310000), unknown or disabled token. */
export const DINGTALK_PERMANENT = new Set([310000, 300001, 300005, 400101, 400102, 43004]);

export function dingtalkMessage(
  format: 'markdown' | 'actionCard',
  c: NoticeContent,
  atMobiles: readonly string[],
): object {
  const at = c.urgent && atMobiles.length ? atMobiles : [];
  // DingTalk notifies a mentioned number only when the text contains @number.
  const mention = at.length ? `\n\n${at.map((m) => `@${m}`).join(' ')}` : '';
  if (format === 'actionCard' && c.links.view) {
    const btns = [
      { title: '接单', actionURL: c.links.accept },
      { title: '办结', actionURL: c.links.resolve },
      { title: '查看', actionURL: c.links.view },
    ];
    return {
      msgtype: 'actionCard',
      actionCard: {
        title: c.title,
        text: markdownBody(c, { images: true, actions: false }) + mention,
        btnOrientation: '1',
        btns,
      },
      at: { atMobiles: [...at], isAtAll: false },
    };
  }
  return {
    msgtype: 'markdown',
    markdown: { title: c.title, text: markdownBody(c, { images: true, actions: true }) + mention },
    at: { atMobiles: [...at], isAtAll: false },
  };
}
