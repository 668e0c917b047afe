/**
 * Row blocks: rows pre-encoded once, as JSONCompactEachRow lines (one JSON array per row, the
 * values in a fixed column order), ready to be handed to the store as bytes
 * (`Store.insertBlock`, analytics/store.ts). Pure.
 *
 * Why this format (measured with `npm run bench:ingest`, docs/ingest.md#store-path): the store
 * parses it about twice as fast as JSONEachRow objects, and `JSON.stringify` of an array is
 * native and ~6× cheaper in JS than the object form (no keys). Binary formats (RowBinary,
 * Native) are not accepted inline by chDB's insert path, so they would split the code path
 * between chDB and a server; this one format serves both.
 */
import { XlError } from '../contracts/errors.js';

export interface RowBlock {
  /** Column names, in the order of each row's values. */
  readonly columns: readonly string[];
  /** JSONCompactEachRow: one JSON array per line, '\n' after each. */
  readonly data: string;
  /** Rows in `data`. */
  readonly rows: number;
}

/** Encodes rows (arrays of values in `columns` order) into one block. */
export function encodeBlock(columns: readonly string[], rows: readonly (readonly unknown[])[]): RowBlock {
  let data = '';
  for (const r of rows) data += `${JSON.stringify(r)}\n`;
  return { columns, data, rows: rows.length };
}

/** Appends the rows of `b` to `a` (same columns). */
export function concatBlocks(a: RowBlock, b: RowBlock): RowBlock {
  if (a.columns.join() !== b.columns.join())
    throw new XlError('STORE_BLOCK_COLUMNS', 'cannot join row blocks with different columns');
  return { columns: a.columns, data: a.data + b.data, rows: a.rows + b.rows };
}

/** The rows of a block, each an array of values in `columns` order. */
export function decodeBlock(b: Pick<RowBlock, 'data'>): unknown[][] {
  if (b.data.length === 0) return [];
  // Each line is one JSON array; JSON escapes '\n' inside strings, so lines are rows.
  const body = b.data.endsWith('\n') ? b.data.slice(0, -1) : b.data;
  return JSON.parse(`[${body.replaceAll('\n', ',')}]`) as unknown[][];
}
