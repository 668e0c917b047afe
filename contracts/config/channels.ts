/**
 * Group-robot channels for grid members (docs/alerts.md, "DingTalk and WeCom"): a DingTalk
 * custom robot (including 浙政钉, Zhejiang's government DingTalk) or a WeCom group robot per
 * org, receiving the changes of tasks in that org's subtree. Part of city.yaml as
 * `alerts.channels`.
 */
import { type Static, Type as T } from '@sinclair/typebox';
import type { ConfigProblem } from './load.js';

export const CHANNEL_KINDS = ['dingtalk', 'wecom'] as const;
export const CHANNEL_FORMATS = ['markdown', 'actionCard', 'news'] as const;
export const CHANNEL_EVENTS = ['opened', 'hits_added', 'accepted', 'resolved', 'escalated'] as const;

export const Channel = T.Object(
  {
    id: T.String({
      minLength: 1,
      maxLength: 64,
      pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]*$',
      description:
        'Channel id (logs, metrics and dead letters name it; the URL and secret never appear there)',
    }),
    org: T.String({ minLength: 1, maxLength: 64, description: 'Org whose subtree this channel covers' }),
    kind: T.Union(
      CHANNEL_KINDS.map((k) => T.Literal(k)),
      { description: 'dingtalk (DingTalk or 浙政钉 custom robot) or wecom (WeCom group robot)' },
    ),
    url: T.String({
      pattern: '^https?://',
      maxLength: 2048,
      description:
        'The robot webhook URL with its token: `https://oapi.dingtalk.com/robot/send?access_token=…` (浙政钉: the robot URL its console shows), `https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…`. A secret: never logged',
    }),
    secret: T.String({
      default: '',
      maxLength: 256,
      description:
        'DingTalk\'s signing secret (`SEC…`, security setting 加签): each call carries `timestamp` and `sign` = Base64(HmacSHA256(secret, timestamp + "\\n" + secret)); empty: unsigned (a keyword or IP allow-list guards the robot). WeCom: unused',
    }),
    format: T.Union(
      CHANNEL_FORMATS.map((f) => T.Literal(f)),
      {
        default: 'markdown',
        description:
          'Message type: markdown (both), actionCard (DingTalk: buttons to accept and resolve), news (WeCom: a card with the evidence image)',
      },
    ),
    events: T.Array(T.Union(CHANNEL_EVENTS.map((e) => T.Literal(e))), {
      default: ['opened', 'escalated'],
      maxItems: CHANNEL_EVENTS.length,
      description: 'Task changes sent to this channel (opened, hits_added, accepted, resolved, escalated)',
    }),
    atMobiles: T.Array(T.String({ pattern: '^[0-9+-]{5,20}$' }), {
      default: [],
      maxItems: 50,
      description:
        'Mobile numbers to @-mention on a new or escalated task (DingTalk `at.atMobiles`, WeCom markdown <@…> is not supported: ignored)',
    }),
    enabled: T.Boolean({ default: true, description: 'false: nothing is sent' }),
  },
  { additionalProperties: false },
);
export type Channel = Static<typeof Channel>;

/** Cross-references: unique ids, known orgs, a format the platform has. */
export function checkChannels(channels: readonly Channel[], orgIds: ReadonlySet<string>): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const ids = new Set<string>();
  channels.forEach((c, k) => {
    if (ids.has(c.id))
      problems.push({ path: `/alerts/channels/${k}/id`, message: `channel id '${c.id}' appears twice` });
    ids.add(c.id);
    if (!orgIds.has(c.org))
      problems.push({ path: `/alerts/channels/${k}/org`, message: `no org '${c.org}' in /orgs` });
    if (c.kind === 'dingtalk' && c.format === 'news')
      problems.push({
        path: `/alerts/channels/${k}/format`,
        message: 'DingTalk robots take markdown or actionCard',
      });
    if (c.kind === 'wecom' && c.format === 'actionCard')
      problems.push({ path: `/alerts/channels/${k}/format`, message: 'WeCom robots take markdown or news' });
    if (c.kind === 'wecom' && c.secret)
      problems.push({
        path: `/alerts/channels/${k}/secret`,
        message: 'WeCom robots are not signed: the key in the URL is the secret',
      });
  });
  return problems;
}
