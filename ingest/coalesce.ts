/**
 * Several queued jobs stored by one INSERT (docs/ingest.md#several-jobs-one-insert). The jobs a
 * worker holds wait here for their INSERT turn; when a turn starts, the jobs already waiting (in
 * arrival order, up to `maxRows` rows and `maxBytes` block bytes) form one group, recorded in
 * Redis before its INSERT (ingest/group-record.ts) and stored under the group id as dedup token.
 * A job alone is a group of one whose id is the job id: the token it always had. Acks (stored
 * feed, marking, completion) run beside the next turn's INSERT, as for one job.
 */
import { type Job, Queue } from 'bullmq';
import { ulid } from 'ulid';
import { HIT_BLOCK_TABLE } from '../analytics/hit-block.js';
import type { HitRow } from '../analytics/hit-rows.js';
import { blockBytes, type RowBlock } from '../analytics/row-block.js';
import { groupMembers, markGroup, recordGroup, storedOf } from './group-record.js';
import {
  type BundleJob,
  type CoalesceLimits,
  jobHitBlock,
  jobHitCount,
  readBlock,
  storedJob,
  type WorkerOptions,
  withoutLateCopies,
  writeHits,
} from './job-data.js';
import { inGroupKey, QUEUE_NAME } from './queue-keys.js';
import { loadReadings, writeReadingBlock } from './reading-jobs.js';

/** A held job waiting for its INSERT turn, its blocks read. */
export interface Member {
  job: Job<BundleJob>;
  id: string;
  bytes: Buffer | undefined;
  readings: RowBlock | undefined;
  /** Never started before: it may join a group with others. */
  fresh: boolean;
  /** The group it was recorded in by an earlier run: it is stored with that group. */
  group?: string;
  settle?: { resolve(): void; reject(e: unknown): void };
}

type Turns = <T>(run: () => Promise<T>) => Promise<T>;

/** What a group's INSERT wrote, per member in order. */
interface Written {
  blocks: RowBlock[];
  derived: HitRow[][];
  snapshots: number[];
}

/** The fault bench:faults-style tests inject: kill -9 right after a group's INSERT, before its marking. */
const FAULT = process.env.XUELIANG_FAULT_INJECT === 'kill-after-group-insert';

/** A job never started before (no attempt, no stall): nothing of it can have reached the store. */
export function firstStart(job: Job<BundleJob>): boolean {
  return job.attemptsMade === 0 && (job.attemptsStarted ?? 0) <= 1 && (job.stalledCounter ?? 0) === 0;
}

/** The group a job was recorded in, if any. */
export async function groupOf(o: WorkerOptions, id: string): Promise<string | null> {
  return o.connection.get(inGroupKey(o.prefix, id));
}

/** Blocks joined in order (one copy); undefined when there are none. */
export function joinBlocks(blocks: readonly RowBlock[]): RowBlock | undefined {
  if (blocks.length <= 1) return blocks[0];
  const rows = blocks.reduce((n, b) => n + b.rows, 0);
  return { columns: blocks[0]!.columns, data: Buffer.concat(blocks.map(blockBytes)), rows };
}

function rowsOf(m: Member): number {
  const d = m.job.data;
  return jobHitCount(d) + (m.readings?.rows ?? 0) + d.snapshots.length + d.quarantine.length;
}

function bytesOf(m: Member): number {
  return (m.bytes?.length ?? 0) + (m.readings ? blockBytes(m.readings).length : 0);
}

/**
 * The group's rows: the rules' rows per member (in order: they see readings in order) beside the
 * readings INSERT, then each member's hits without its late copies, in one INSERT per table.
 */
async function writeGroup(
  o: WorkerOptions,
  members: readonly Member[],
  token: string,
  early: Map<string, Promise<HitRow[]>>,
): Promise<Written> {
  const readings = joinBlocks(members.flatMap((m) => (m.readings ? [m.readings] : [])));
  const deriveAll = async () => {
    const out: HitRow[][] = [];
    for (const m of members) {
      const ran = early.get(m.id);
      early.delete(m.id);
      // Run early and failed: again here, looking up what that run may have kept.
      const rows = ran
        ? await ran.catch(() => o.derive?.rows(m.job.data, m.id, false))
        : await o.derive?.rows(m.job.data, m.id, m.fresh);
      out.push(rows ?? []);
    }
    return out;
  };
  const [stored, derivedAll] = await Promise.allSettled([
    writeReadingBlock(o.store, readings, token),
    deriveAll(),
  ]);
  if (stored.status === 'rejected') throw stored.reason;
  if (derivedAll.status === 'rejected') throw derivedAll.reason;
  const derived = derivedAll.value;
  const kept = [];
  for (const [i, m] of members.entries())
    kept.push(await withoutLateCopies(o, m.job, jobHitBlock(m.job.data, derived[i], m.bytes)));
  const blocks = kept.map((k) => k.block);
  // One table for the group, the same on every re-run of it (the group is recorded): a group
  // holding a job queued before hits_intake keeps to `hits`.
  const { hitsVia: _, ...first } = members[0]!.job.data;
  const rows: BundleJob = {
    ...first,
    ...(members.every((m) => m.job.data.hitsVia === HIT_BLOCK_TABLE) ? { hitsVia: HIT_BLOCK_TABLE } : {}),
    snapshots: kept.flatMap((k) => k.data.snapshots),
    quarantine: members.flatMap((m) => m.job.data.quarantine),
  };
  await writeHits(o.store, rows, token, joinBlocks(blocks)!);
  return { blocks, derived, snapshots: kept.map((k) => k.data.snapshots.length) };
}

export class Coalescer {
  private readonly ready: Member[] = [];
  /** The rules of the jobs held on their first start, run in arrival order (deriveEarly). */
  private readonly early = new Map<string, Promise<HitRow[]>>();
  private order: Promise<unknown> = Promise.resolve();
  private busy = false;
  private queue: Queue<BundleJob> | undefined;
  /** Groups INSERTed whose acks are running: a re-run of a member waits for them. */
  private readonly acking = new Map<string, Promise<void>>();

  constructor(
    private readonly o: WorkerOptions,
    private readonly limits: CoalesceLimits,
    private readonly inTurn: Turns,
  ) {}

  /** Resolves once the member is stored and marked (by its group, or by an earlier run). */
  write(m: Member): Promise<void> {
    this.deriveEarly(m);
    return new Promise((resolve, reject) => {
      m.settle = { resolve, reject };
      this.ready.push(m);
      void this.pump();
    });
  }

  async close(): Promise<void> {
    await this.queue?.close().catch(() => undefined);
  }

  /**
   * A job on its first start runs its rules as soon as it is held, one job at a time in arrival
   * order (the order its group runs them in; groups take held jobs in that order), beside the
   * INSERT before its own: its turn then finds the rows ready instead of waiting for them beside
   * its INSERT (bench:sensors, docs/iot.md). A failure is left to the turn (deriveAll).
   */
  private deriveEarly(m: Member): void {
    const d = this.o.derive;
    if (!d || !m.fresh || m.group !== undefined || this.limits.maxRows <= 0) return;
    const run = this.order.then(() => d.rows(m.job.data, m.id, true));
    this.order = run.catch(() => undefined);
    run.catch(() => undefined);
    this.early.set(m.id, run);
  }

  private async pump(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      while (this.ready.length > 0) {
        const group = this.pick();
        await this.inTurn(() => this.turn(group)).catch((e: unknown) => {
          for (const m of group) m.settle?.reject(e);
        });
      }
    } finally {
      this.busy = false;
    }
  }

  /** The next turn's members: the first waiting job, and those behind it that fit. */
  private pick(): Member[] {
    const lead = this.ready.shift()!;
    const group = [lead];
    if (lead.group !== undefined || !lead.fresh || this.limits.maxRows <= 0) return group;
    let rows = rowsOf(lead);
    let bytes = bytesOf(lead);
    for (let m = this.ready[0]; m?.fresh && m.group === undefined; m = this.ready[0]) {
      if (rows + rowsOf(m) > this.limits.maxRows || bytes + bytesOf(m) > this.limits.maxBytes) break;
      rows += rowsOf(m);
      bytes += bytesOf(m);
      group.push(this.ready.shift()!);
    }
    return group;
  }

  private async turn(group: Member[]): Promise<void> {
    const lead = group[0]!;
    const turnMs = Date.now();
    if (lead.group !== undefined) return this.rerun(lead, lead.group);
    // A job alone on its first start needs no record: its token is its id, and any other run of
    // it is a later start, which is never grouped with others (it records itself alone, or finds
    // the group this run would have recorded). So an empty queue costs no extra round trip.
    if (group.length === 1 && lead.fresh) return this.store(group, lead.id, turnMs);
    const gid = group.length === 1 ? lead.id : `g${ulid()}`;
    const said = await recordGroup(
      this.o.connection,
      this.o.prefix,
      gid,
      group.map((m) => m.id),
    );
    const mine: Member[] = [];
    const elsewhere: Member[] = [];
    said.forEach((s, i) => {
      const m = group[i]!;
      if (s.in !== 'this') this.early.delete(m.id); // an earlier run's: its rules run at its turn
      if (s.in === 'this') mine.push(m);
      else if (s.in === 'stored') m.settle?.resolve();
      else {
        m.group = s.group;
        elsewhere.push(m);
      }
    });
    // Out of this turn (a failure of its INSERT is not theirs): stored with their own groups next.
    group.splice(0, group.length, ...mine);
    this.ready.unshift(...elsewhere);
    if (mine.length > 0) await this.store(mine, gid, turnMs);
  }

  /** INSERTs the group in its turn (which started at `turnMs`); its acks run beside the next turn. */
  private async store(members: Member[], gid: string, turnMs = Date.now()): Promise<void> {
    const insertMs = Date.now();
    const written = await writeGroup(this.o, members, gid, this.early);
    this.o.trace?.turn?.(
      members.map((m) => m.id),
      turnMs,
      insertMs,
      Date.now(),
    );
    if (FAULT && members.length > 1 && (await this.o.connection.getdel(`${this.o.prefix}:fault:group-armed`)))
      process.kill(process.pid, 'SIGKILL');
    const acks = this.acks(members, gid, written);
    this.acking.set(gid, acks);
    void acks.finally(() => this.acking.delete(gid));
  }

  private async acks(members: Member[], gid: string, w: Written): Promise<void> {
    const o = this.o;
    try {
      if (o.afterInsert)
        await Promise.all(
          members.map((m, i) => (w.blocks[i]!.rows > 0 ? o.afterInsert!(w.blocks[i]!, m.id) : undefined)),
        );
      const marked = members.map((m) => ({ id: m.id, keys: m.job.data.keys }));
      await markGroup(o.connection, o.prefix, gid, marked, o.doneTtlMs);
    } catch (e) {
      for (const m of members) m.settle?.reject(e);
      return;
    }
    members.forEach((m, i) => {
      o.derive?.done(m.id);
      o.onWritten?.(w.blocks[i]!.rows, w.snapshots[i]!);
      if (o.onStored) o.onStored(storedJob(m.job.data, w.blocks[i]!, w.derived[i]!), m.id);
      m.settle?.resolve();
    });
  }

  /**
   * A job recorded in group `gid` by an earlier run: the whole group again, in the recorded order
   * and under the group's token; or, when a member is stored already (marking follows the
   * INSERT), the rest marked stored.
   */
  private async rerun(lead: Member, gid: string): Promise<void> {
    const o = this.o;
    await this.acking.get(gid);
    const ids = await groupMembers(o.connection, o.prefix, gid);
    if (!ids) {
      const [stored] = await storedOf(o.connection, o.prefix, [lead.id]);
      if (!stored) throw new Error(`job ${lead.id} points at group ${gid}, which is not in Redis`);
      return lead.settle?.resolve();
    }
    const stored = await storedOf(o.connection, o.prefix, ids);
    const jobs = await Promise.all(ids.map((id) => (id === lead.id ? lead.job : this.jobOf(id))));
    if (stored.some(Boolean)) {
      const marked = ids.map((id, i) => ({ id, keys: jobs[i]?.data.keys ?? [] }));
      await markGroup(o.connection, o.prefix, gid, marked, o.doneTtlMs);
      return lead.settle?.resolve();
    }
    const members: Member[] = [];
    for (const [i, id] of ids.entries()) {
      const job = jobs[i];
      if (!job) throw new Error(`job ${id} of group ${gid} is neither queued nor stored`);
      members.push(id === lead.id ? lead : await this.loaded(job, id, gid));
    }
    o.log.info({ group: gid, jobs: ids.length }, 'a recorded group stored again under its token');
    await this.store(members, gid);
  }

  private async jobOf(id: string): Promise<Job<BundleJob> | undefined> {
    this.queue ??= new Queue<BundleJob>(QUEUE_NAME, { connection: this.o.connection, prefix: this.o.prefix });
    return (await this.queue.getJob(id)) ?? undefined;
  }

  /** Another member of a group, its blocks read (they are kept until the group is marked). */
  private async loaded(job: Job<BundleJob>, id: string, gid: string): Promise<Member> {
    const bytes = await readBlock(this.o, job.data, id);
    const readings = await loadReadings(this.o.connection, this.o.prefix, job.data, id);
    if (bytes === null || readings === null) throw new Error(`a block of job ${id} (group ${gid}) is gone`);
    return { job, id, bytes, readings, fresh: false, group: gid };
  }
}
