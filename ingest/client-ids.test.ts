import { describe, expect, it } from 'vitest';
import { clientIdAllowed, clientIdOwner } from './client-ids.js';

const ids = new Set(['gw-xihu-01', 'gw-gongshu-01', 'gw-a', 'gw-a-2', 'xihu-member']);

describe('client ids bound to principals', () => {
  it.each([
    ['gw-xihu-01', 'gw-xihu-01', true],
    ['gw-xihu-01-status', 'gw-xihu-01', true],
    ['gw-xihu-01', 'gw-gongshu-01', false],
    ['gw-xihu-01-status', 'gw-gongshu-01', false],
    ['gw-a-2-status', 'gw-a', false], // the longest matching id owns it
    ['gw-a-2-status', 'gw-a-2', true],
    ['gw-a-3', 'gw-a', true],
    ['xihu-member-tasks-grid-xh-01', 'xihu-member', true],
    ['mqttjs_1234', 'gw-a', false],
    ['', 'gw-a', false],
    ['gw-axyz', 'gw-a', false],
  ])('%s as %s: %s', (clientId, user, ok) => {
    expect(clientIdAllowed(clientId, user, ids)).toBe(ok);
  });

  it('names the owner', () => {
    expect(clientIdOwner('gw-a-2-x', ids)).toBe('gw-a-2');
    expect(clientIdOwner('nobody', ids)).toBeUndefined();
  });
});

describe('broker-mode client ids', () => {
  it('are unique per process and stay within 64 characters', async () => {
    const { processClientId } = await import('./subscriber.js');
    const a = processClientId('host-a', 100);
    expect(a).toMatch(/^xl-ingest-host-a-100-[0-9a-f]{6}$/);
    expect(processClientId('host-a', 100)).not.toBe(a); // two receivers on one host
    expect(processClientId('host-a', 101)).not.toBe(a);
    expect(processClientId('h'.repeat(200), 4_194_304).length).toBeLessThanOrEqual(64);
    expect(processClientId('bad host/name', 1)).toMatch(/^xl-ingest-bad_host_name-1-/);
  });
});
