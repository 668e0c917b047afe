/**
 * Links in notifications (docs/alerts.md, "DingTalk and WeCom"): the dashboard's task view with
 * an action to take, and expiring signed image links a chat client can open without an API key
 * (`/media/snapshots/{id}?exp=&sig=`, served and audited by api/routes/media.ts). Pure: the
 * time comes in.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** `sig` of a media link: HMAC-SHA256(secret, `snapshot:{id}:{expSec}`), base64url. */
export function mediaSignature(secret: string, id: string, expSec: number): string {
  return createHmac('sha256', secret).update(`snapshot:${id}:${expSec}`).digest('base64url');
}

export function verifyMediaSignature(
  secret: string,
  id: string,
  expSec: number,
  sig: string,
  nowMs: number,
): boolean {
  if (!secret || !Number.isSafeInteger(expSec) || expSec * 1000 < nowMs) return false;
  const want = Buffer.from(mediaSignature(secret, id, expSec));
  const got = Buffer.from(sig);
  return want.length === got.length && timingSafeEqual(want, got);
}

export interface LinkOptions {
  /** api.publicUrl: empty means no absolute links can be made. */
  publicUrl: string;
  /** api.linkSecret: empty means no image links. */
  linkSecret: string;
  linkTtlSec: number;
  nowMs: number;
}

/** A signed link to a stored image (a snapshot or an event's frame), or '' when links are off. */
export function mediaLink(o: LinkOptions, id: string): string {
  if (!o.publicUrl || !o.linkSecret || !id) return '';
  const exp = Math.floor(o.nowMs / 1000) + o.linkTtlSec;
  return `${o.publicUrl}/media/snapshots/${encodeURIComponent(id)}?exp=${exp}&sig=${mediaSignature(o.linkSecret, id, exp)}`;
}

export interface TaskLinks {
  view: string;
  accept: string;
  resolve: string;
}

/** The dashboard's task dialog (the person signs in there), or '' each when there is no public URL. */
export function taskLinks(publicUrl: string, taskId: string): TaskLinks {
  if (!publicUrl) return { view: '', accept: '', resolve: '' };
  const base = `${publicUrl}/#/tasks?id=${encodeURIComponent(taskId)}`;
  return { view: base, accept: `${base}&action=accept`, resolve: `${base}&action=resolve` };
}
