/**
 * Optimal assignment (Hungarian / Kuhn–Munkres, the O(n³) shortest-augmenting-path form with
 * row and column potentials, as in e-maxx "Hungarian algorithm") with a cost limit.
 *
 * The cost limit follows ByteTrack's use of `lap.lapjv(cost, extend_cost=True,
 * cost_limit=thresh)`: the n×m matrix is extended to (n+m)×(n+m) so every row and column
 * can stay unmatched at `costLimit / 2`; a real pair is chosen only when it is cheaper than
 * leaving both of its ends unmatched, and pairs above the limit are never returned.
 */

/** Result of {@link assign}: matched `[row, col]` pairs plus the unmatched rows and columns. */
export interface Assignment {
  matches: Array<[number, number]>;
  unmatchedRows: number[];
  unmatchedCols: number[];
}

/** Cost that stands for "forbidden" inside the extended matrix. */
const FORBIDDEN = 1e9;

/**
 * Minimum-cost assignment of `rows × cols` costs (row-major) where no chosen pair costs more
 * than `costLimit`. Costs that are `NaN`, infinite or above the limit are treated as forbidden.
 *
 * The matrix is first split into the connected components of its feasible pairs (a track
 * can only ever take a detection it overlaps), and each component is solved on its own: the
 * same optimum, but a crowd of 150 people costs 150 tiny problems instead of one 300³ one.
 */
export function assign(cost: ArrayLike<number>, rows: number, cols: number, costLimit: number): Assignment {
  if (cost.length !== rows * cols)
    throw new RangeError(`assign: cost has ${cost.length} cells, want ${rows}x${cols}`);
  const feasible = (i: number, j: number): boolean => {
    const v = cost[i * cols + j]!;
    return Number.isFinite(v) && v <= costLimit;
  };
  const matches: Array<[number, number]> = [];
  for (const comp of components(rows, cols, feasible)) {
    if (comp.rows.length === 1 && comp.cols.length === 1) {
      matches.push([comp.rows[0]!, comp.cols[0]!]);
      continue;
    }
    for (const [r, c] of solveExtended(cost, cols, comp.rows, comp.cols, costLimit)) matches.push([r, c]);
  }
  const rowMatched = new Uint8Array(rows);
  const colMatched = new Uint8Array(cols);
  for (const [i, j] of matches) {
    rowMatched[i] = 1;
    colMatched[j] = 1;
  }
  return {
    matches,
    unmatchedRows: range(rows).filter((i) => !rowMatched[i]),
    unmatchedCols: range(cols).filter((j) => !colMatched[j]),
  };
}

/** Connected components (with at least one row and one column) of the feasible-pair graph. */
function components(
  rows: number,
  cols: number,
  feasible: (i: number, j: number) => boolean,
): Array<{ rows: number[]; cols: number[] }> {
  const parent = Int32Array.from({ length: rows + cols }, (_, k) => k);
  const find = (k: number): number => {
    while (parent[k] !== k) {
      parent[k] = parent[parent[k]!]!;
      k = parent[k]!;
    }
    return k;
  };
  const linked = new Uint8Array(rows + cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      if (!feasible(i, j)) continue;
      linked[i] = 1;
      linked[rows + j] = 1;
      parent[find(i)] = find(rows + j);
    }
  }
  const byRoot = new Map<number, { rows: number[]; cols: number[] }>();
  for (let k = 0; k < rows + cols; k++) {
    if (!linked[k]) continue;
    const root = find(k);
    let c = byRoot.get(root);
    if (!c) {
      c = { rows: [], cols: [] };
      byRoot.set(root, c);
    }
    if (k < rows) c.rows.push(k);
    else c.cols.push(k - rows);
  }
  return [...byRoot.values()];
}

/** Solves one component with the extended (n+m)² matrix; returns global `[row, col]` pairs. */
function solveExtended(
  cost: ArrayLike<number>,
  cols: number,
  rowIds: number[],
  colIds: number[],
  costLimit: number,
): Array<[number, number]> {
  const n = rowIds.length;
  const m = colIds.length;
  const size = n + m;
  const ext = new Float64Array(size * size);
  const half = costLimit / 2;
  for (let i = 0; i < size; i++) {
    for (let j = 0; j < size; j++) {
      let c: number;
      if (i < n && j < m) {
        const v = cost[rowIds[i]! * cols + colIds[j]!]!;
        c = Number.isFinite(v) && v <= costLimit ? v : FORBIDDEN;
      } else if (i < n || j < m) {
        c = half;
      } else {
        c = 0;
      }
      ext[i * size + j] = c;
    }
  }
  const colOfRow = hungarianSquare(ext, size);
  const out: Array<[number, number]> = [];
  for (let i = 0; i < n; i++) {
    const j = colOfRow[i]!;
    if (j < m && ext[i * size + j]! <= costLimit) out.push([rowIds[i]!, colIds[j]!]);
  }
  return out;
}

/**
 * Hungarian algorithm on a square `n × n` matrix; returns the column assigned to each row.
 * 1-indexed internally as in the reference formulation (row/column 0 is the virtual start).
 */
function hungarianSquare(a: Float64Array, n: number): Int32Array {
  const u = new Float64Array(n + 1);
  const v = new Float64Array(n + 1);
  const p = new Int32Array(n + 1); // p[j]: row matched to column j
  const way = new Int32Array(n + 1);
  const minv = new Float64Array(n + 1);
  const used = new Uint8Array(n + 1);
  for (let i = 1; i <= n; i++) {
    p[0] = i;
    let j0 = 0;
    minv.fill(Number.POSITIVE_INFINITY);
    used.fill(0);
    do {
      used[j0] = 1;
      const i0 = p[j0]!;
      let delta = Number.POSITIVE_INFINITY;
      let j1 = 0;
      for (let j = 1; j <= n; j++) {
        if (used[j]) continue;
        const cur = a[(i0 - 1) * n + (j - 1)]! - u[i0]! - v[j]!;
        if (cur < minv[j]!) {
          minv[j] = cur;
          way[j] = j0;
        }
        if (minv[j]! < delta) {
          delta = minv[j]!;
          j1 = j;
        }
      }
      for (let j = 0; j <= n; j++) {
        if (used[j]) {
          u[p[j]!] = u[p[j]!]! + delta;
          v[j] = v[j]! - delta;
        } else {
          minv[j] = minv[j]! - delta;
        }
      }
      j0 = j1;
    } while (p[j0] !== 0);
    do {
      const j1 = way[j0]!;
      p[j0] = p[j1]!;
      j0 = j1;
    } while (j0 !== 0);
  }
  const colOfRow = new Int32Array(n);
  for (let j = 1; j <= n; j++) colOfRow[p[j]! - 1] = j - 1;
  return colOfRow;
}

/**
 * Greedy assignment by ascending cost (cheapest pair first), for comparison and as a fallback
 * for very large matrices. Same contract as {@link assign}.
 */
export function assignGreedy(
  cost: ArrayLike<number>,
  rows: number,
  cols: number,
  costLimit: number,
): Assignment {
  const cells: number[] = [];
  for (let k = 0; k < rows * cols; k++) if (cost[k]! <= costLimit) cells.push(k);
  cells.sort((x, y) => cost[x]! - cost[y]!);
  const rowMatched = new Uint8Array(rows);
  const colMatched = new Uint8Array(cols);
  const matches: Array<[number, number]> = [];
  for (const k of cells) {
    const i = Math.floor(k / cols);
    const j = k % cols;
    if (rowMatched[i] || colMatched[j]) continue;
    rowMatched[i] = 1;
    colMatched[j] = 1;
    matches.push([i, j]);
  }
  return {
    matches,
    unmatchedRows: range(rows).filter((i) => !rowMatched[i]),
    unmatchedCols: range(cols).filter((j) => !colMatched[j]),
  };
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
