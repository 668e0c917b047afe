/** What every view gets: the API client, the live bus, who is signed in, cameras and orgs. */
import type { Api } from './api.js';
import type { LiveBus } from './bus.js';
import type { Camera, OrgInfo, OrgNode, Principal } from './model.js';

export interface Ctx {
  api: Api;
  bus: LiveBus;
  principal: Principal;
  cameras: Camera[];
  camById: Map<string, Camera>;
  orgs: OrgNode[];
  orgIndex: Map<string, OrgInfo>;
  /** Query of the current hash route (`#/route?plate=…`). */
  params: URLSearchParams;
  go(hash: string): void;
  /** Says something to screen readers (an aria-live region). */
  announce(msg: string): void;
}

/** A view renders into `root` and returns its cleanup (stop timers, unsubscribe). */
export type View = (root: HTMLElement, ctx: Ctx) => (() => void) | undefined;

export function cameraName(ctx: Ctx, id: string): string {
  const c = ctx.camById.get(id);
  return c?.name ? `${c.name} · ${id}` : id;
}

export function orgName(ctx: Ctx, id: string | undefined): string {
  if (!id) return '';
  return ctx.orgIndex.get(id)?.node.name ?? id;
}
