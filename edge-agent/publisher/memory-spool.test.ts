import { createMemorySpool } from './memory-spool.js';
import { spoolContract } from './spool.contract.js';

spoolContract('memory', { make: async (maxBytes) => createMemorySpool({ maxBytes }) });
