import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../contracts/log.js';
import { taskId } from './ids.js';
import type { TaskChange, TaskRepo } from './repo.js';
import { TaskWriter } from './writer.js';

// calendar-safe: a pure function of the time it is given (no store, no clock).
const T = 1_764_385_200_000;

const change = (k: number) => ({ task: { id: `t${k}` }, event: { type: 'opened' } }) as unknown as TaskChange;

describe('TaskWriter (write-behind)', () => {
  it('stores every change in order, batching what piles up', async () => {
    const stored: string[][] = [];
    const repo = {
      persist: async (cs: TaskChange[]) => void stored.push(cs.map((c) => c.task.id)),
    } as unknown as TaskRepo;
    const w = new TaskWriter(repo, silentLogger(), () => undefined);
    for (let k = 0; k < 5; k++) w.write([change(k)]);
    await w.flush();
    expect(stored.flat()).toEqual(['t0', 't1', 't2', 't3', 't4']);
    expect(stored.length).toBeLessThan(5);
  });

  it('bounds the backlog while the store is down (oldest dropped, counted) and gives up on close', async () => {
    const repo = { persist: async () => Promise.reject(new Error('down')) } as unknown as TaskRepo;
    const errors: string[] = [];
    const w = new TaskWriter(repo, silentLogger(), (stage, n) => errors.push(`${stage}:${n}`), 10);
    for (let k = 0; k < 25; k++) w.write([change(k)]);
    expect(w.pending).toBe(10);
    expect(w.dropped).toBe(15);
    await w.close();
    expect(w.pending).toBe(0);
    expect(w.dropped).toBe(25);
    expect(errors).toContain('persist_dropped:1');
  }, 20_000);
});

describe('taskId', () => {
  it('is a ULID-shaped, time-ordered, unique id', () => {
    const a = taskId(T);
    const b = taskId(T + 1);
    expect(a).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(a.slice(0, 10) < b.slice(0, 10)).toBe(true);
    const many = new Set(Array.from({ length: 10_000 }, () => taskId(1)));
    expect(many.size).toBe(10_000);
  });
});
