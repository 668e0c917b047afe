/** The store a receiver-only process is given: it never writes, so any use is a bug. */
import type { Store } from '../analytics/store.js';
import { XlError } from '../contracts/errors.js';

export function noStore(): Store {
  const fail = (): never => {
    throw new XlError('INGEST_NO_STORE', 'a receiver-only ingest process has no store');
  };
  return {
    get client(): never {
      return fail();
    },
    engine: 'server',
    database: '',
    query: async () => fail(),
    command: async () => fail(),
    insert: async () => fail(),
    insertBlock: async () => fail(),
    close: async () => undefined,
  };
}
