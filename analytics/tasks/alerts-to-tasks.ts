/**
 * Alerts → task changes (adapter over the Redis state): alerts of one batch are grouped by
 * cooldown key (source, camera, zone); a free key opens a task, a key held by an open task adds
 * the hits to it, a key whose task was closed opens a new one. Three Redis round trips per
 * batch (cooldown claims, states, compare-and-set); a lost race falls back to one at a time.
 */
import type { AlertsSection, SlaLevels } from '../../contracts/config/alerts.js';
import type { OrgKind } from '../../contracts/config/org.js';
import type { Hit } from '../../contracts/hit.js';
import type { Alert } from '../alerts/matcher.js';
import { taskId } from './ids.js';
import {
  applyTaskEvent,
  CLOSED,
  escalationTarget,
  slaAt,
  type Task,
  type TaskEvent,
  type TaskHit,
} from './model.js';
import type { OrgTree } from '../../contracts/org-tree.js';
import type { TaskChange, TaskRepo } from './repo.js';

export function toTaskHit(h: Hit): TaskHit {
  return { id: h.id, tsMs: h.tsMs, snapshot: h.snapshot ?? '', ...(h.frame ? { frame: h.frame } : {}) };
}

/** The SLA deadline at `org` (of kind `level`), or null when nothing is above it. */
export function deadlineAt(
  level: OrgKind,
  sla: SlaLevels,
  orgPath: readonly string[],
  org: string,
  atMs: number,
): number | null {
  const ms = slaAt(level, sla);
  return ms === null || escalationTarget({ org, orgPath }) === undefined ? null : atMs + ms;
}

export class TaskIntake {
  constructor(
    private readonly repo: TaskRepo,
    private readonly orgs: OrgTree,
    private readonly cfg: Readonly<AlertsSection>,
    private readonly now: () => number,
  ) {}

  private openEvent(id: string, g: readonly Alert[], tsMs: number): TaskEvent {
    const a = g[0]!;
    const level = this.orgs.kind(a.placement.grid) ?? 'grid';
    return {
      type: 'opened',
      taskId: id,
      tsMs,
      by: 'system',
      source: a.source,
      title: a.title,
      priority: a.priority,
      cooldownKey: a.cooldownKey,
      camera: a.hit.camera,
      zone: a.hit.zone ?? '',
      grid: a.placement.grid,
      orgPath: [...a.placement.orgPath],
      level,
      slaMs: a.slaMs,
      hits: g.map((x) => toTaskHit(x.hit)),
      deadlineMs: deadlineAt(level, a.slaMs, a.placement.orgPath, a.placement.grid, tsMs),
    };
  }

  /** The task changes this batch's alerts make (applied in Redis; not yet stored or sent). */
  async apply(alerts: readonly Alert[]): Promise<TaskChange[]> {
    const groups = new Map<string, Alert[]>();
    for (const a of alerts) {
      const g = groups.get(a.cooldownKey);
      if (g) g.push(a);
      else groups.set(a.cooldownKey, [a]);
    }
    const keys = [...groups.keys()];
    const proposals = keys.map(() => taskId(this.now()));
    const ids = await this.repo.cooldowns(
      keys.map((k, i) => ({ key: k, proposal: proposals[i]!, ttlMs: groups.get(k)![0]!.cooldownMs })),
    );
    const states = await this.repo.getMany(ids);
    const tsMs = this.now();
    const pending: Array<{ prevVersion: number; task: Task; event: TaskEvent; key: string }> = [];
    const slow: string[] = [];
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      const g = groups.get(key)!;
      const prev = states[i];
      let event: TaskEvent;
      if (ids[i] === proposals[i]) event = this.openEvent(ids[i]!, g, tsMs);
      else if (prev && !CLOSED.has(prev.status))
        event = {
          type: 'hits_added',
          taskId: prev.id,
          tsMs,
          by: 'system',
          hits: g.map((x) => toTaskHit(x.hit)),
        };
      else if (prev) {
        // The task under the key was closed: a new one starts its own cooldown.
        const id = taskId(this.now());
        await this.repo.setCooldown(key, id, g[0]!.cooldownMs);
        event = this.openEvent(id, g, tsMs);
      } else {
        slow.push(key);
        continue;
      }
      const task = applyTaskEvent(event.type === 'opened' ? undefined : prev, event, this.cfg.maxHitsPerTask);
      pending.push({ prevVersion: event.type === 'opened' ? 0 : prev!.version, task, event, key });
    }
    const won = await this.repo.casMany(pending);
    const changes: TaskChange[] = [];
    pending.forEach((p, k) => {
      if (won[k]) changes.push({ task: p.task, event: p.event });
      else slow.push(p.key);
    });
    // Lost a race with another process (or its task is not written yet): one at a time.
    for (const key of slow) {
      const c = await this.applySlowly(key, groups.get(key)!);
      if (c) changes.push(c);
    }
    return changes;
  }

  private async applySlowly(key: string, g: readonly Alert[]): Promise<TaskChange | null> {
    const hits = g.map((x) => toTaskHit(x.hit));
    for (let attempt = 0; attempt < 5; attempt++) {
      const [id] = await this.repo.cooldowns([
        { key, proposal: taskId(this.now()), ttlMs: g[0]!.cooldownMs },
      ]);
      const t = await this.repo.get(id!);
      if (t && !CLOSED.has(t.status)) {
        const change = await this.repo.transact(t.id, (cur) =>
          CLOSED.has(cur.status)
            ? null
            : { type: 'hits_added', taskId: cur.id, tsMs: this.now(), by: 'system', hits },
        );
        if (change) return change;
      }
      if (t && CLOSED.has(t.status)) await this.repo.releaseCooldown(key, t.id);
      await new Promise((r) => setTimeout(r, 20 * (attempt + 1)));
    }
    // The key points at a task nobody wrote (its process died): start afresh.
    const id = taskId(this.now());
    await this.repo.setCooldown(key, id, g[0]!.cooldownMs);
    const event = this.openEvent(id, g, this.now());
    const task = applyTaskEvent(undefined, event, this.cfg.maxHitsPerTask);
    const [ok] = await this.repo.casMany([{ prevVersion: 0, task }]);
    return ok ? { task, event } : null;
  }
}
