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
  /**
   * JSONCompactEachRow: one JSON array per line, '\n' after each; as text, or as its UTF-8 bytes
   * (a block read back from Redis stays bytes all the way into the store).
   */
  readonly data: string | Buffer;
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
  const data =
    typeof a.data === 'string' && typeof b.data === 'string'
      ? a.data + b.data
      : Buffer.concat([blockBytes(a), blockBytes(b)]);
  return { columns: a.columns, data, rows: a.rows + b.rows };
}

/** The block's bytes (UTF-8); no copy when it holds bytes already. */
export function blockBytes(b: Pick<RowBlock, 'data'>): Buffer {
  return typeof b.data === 'string' ? Buffer.from(b.data) : b.data;
}

/** The rows of a block, each an array of values in `columns` order. */
export function decodeBlock(b: Pick<RowBlock, 'data'>): unknown[][] {
  const text = typeof b.data === 'string' ? b.data : b.data.toString('utf8');
  if (text.length === 0) return [];
  // Each line is one JSON array; JSON escapes '\n' inside strings, so lines are rows.
  const body = text.endsWith('\n') ? text.slice(0, -1) : text;
  return JSON.parse(`[${body.replaceAll('\n', ',')}]`) as unknown[][];
}
