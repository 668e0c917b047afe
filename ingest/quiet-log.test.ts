/**
 * The endpoint's refusal log (ingest/endpoint.ts QuietLog): a client refused again and again
 * gets one warn line a minute per address and reason, with the count of those left unsaid.
 */
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../contracts/log.js';
import { QuietLog } from './endpoint.js';

describe('QuietLog', () => {
  it('says the first refusal, then one a minute with the count in between', () => {
    const lines: Array<Record<string, unknown>> = [];
    const log = silentLogger();
    log.warn = ((o: Record<string, unknown>) => lines.push(o)) as typeof log.warn;
    const q = new QuietLog(log, 60_000);
    for (let s = 0; s < 180; s++)
      q.warn('10.0.0.9|bad_login|gw-1', { address: '10.0.0.9' }, 'refused', s * 1_000);
    q.warn('10.0.0.8|bad_login|gw-2', { address: '10.0.0.8' }, 'refused', 1_000); // another key is not held back
    expect(lines).toEqual([
      { address: '10.0.0.9' },
      { address: '10.0.0.9', alsoRefused: 59 },
      { address: '10.0.0.9', alsoRefused: 59 },
      { address: '10.0.0.8' },
    ]);
  });
});
