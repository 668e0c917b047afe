/**
 * CPU by thread name, from Linux's /proc (bench:ingest's split of phase 1, docs/ingest.md): the
 * bench process's threads grouped by name (Node's main thread and the gateway worker thread,
 * libuv's pool, V8's GC helpers, chDB's threads) and child processes by pid. Elsewhere it
 * reads nothing and reports nothing.
 */
import { readdirSync, readFileSync } from 'node:fs';

const TICK_MS = 10; // USER_HZ is 100 on Linux

/** utime + stime of /proc/…/stat, ms; the name is field 2 in parentheses (it may hold spaces). */
function statCpu(path: string): { name: string; ms: number } | undefined {
  try {
    const s = readFileSync(path, 'utf8');
    const close = s.lastIndexOf(')');
    const f = s.slice(close + 2).split(' ');
    return { name: s.slice(s.indexOf('(') + 1, close), ms: (Number(f[11]) + Number(f[12])) * TICK_MS };
  } catch {
    return undefined;
  }
}

/** CPU ms per thread id of this process, with each thread's name. */
export function threadCpu(): Map<string, { name: string; ms: number }> {
  const out = new Map<string, { name: string; ms: number }>();
  let tids: string[] = [];
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    return out;
  }
  for (const t of tids) {
    const c = statCpu(`/proc/self/task/${t}/stat`);
    if (c) out.set(t, c);
  }
  return out;
}

/** CPU ms of a process (all its threads), or 0 when it cannot be read. */
export function pidCpu(pid: number | undefined): number {
  return pid ? (statCpu(`/proc/${pid}/stat`)?.ms ?? 0) : 0;
}

/**
 * CPU ms spent between two `threadCpu` readings, by thread name, largest first. Node names all
 * its threads `node`: the main thread (its id is the pid) is `main`, the busiest other one
 * `node-top` (the gateway worker thread in bench:ingest), the rest `node` (V8 GC helpers,
 * libuv's pool); chDB's threads carry their own names.
 */
export function cpuByName(
  a: Map<string, { name: string; ms: number }>,
  b: Map<string, { name: string; ms: number }>,
): Record<string, number> {
  const d = [...b].map(([tid, x]) => ({ tid, name: x.name, ms: x.ms - (a.get(tid)?.ms ?? 0) }));
  const top = d
    .filter((x) => x.name === 'node' && x.tid !== String(process.pid))
    .sort((p, q) => q.ms - p.ms)[0];
  const by: Record<string, number> = {};
  for (const x of d) {
    if (x.ms <= 0) continue;
    const name = x.tid === String(process.pid) ? 'main' : x === top ? 'node-top' : x.name;
    by[name] = (by[name] ?? 0) + x.ms;
  }
  return Object.fromEntries(Object.entries(by).sort((p, q) => q[1] - p[1]));
}
