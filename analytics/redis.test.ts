/** The Redis target from a config section (analytics/redis.ts): a URL, or sentinels when named. */
import { describe, expect, it } from 'vitest';
import { loadCityConfig } from '../contracts/config/index.js';
import { describeRedis, hasRedis, redisTarget } from './redis.js';

const city = (redis: Record<string, unknown>) =>
  loadCityConfig(undefined, {}, { orgs: [{ id: 'c', name: 'C', kind: 'city', children: [] }], redis });

describe('redisTarget', () => {
  it('is the URL without sentinels, and masks its password in messages', () => {
    const t = redisTarget(city({ url: 'redis://:s3cret@10.0.0.1:6380/0' }).redis);
    expect(t).toBe('redis://:s3cret@10.0.0.1:6380/0');
    expect(describeRedis(t)).toBe('redis://***@10.0.0.1:6380/0');
    expect(hasRedis(redisTarget(city({}).redis))).toBe(false);
  });

  it('names the sentinels, the master and the passwords when sentinels are set', () => {
    const c = city({
      url: 'redis://ignored:6379',
      sentinels: ['10.0.0.1:26379', '10.0.0.2:26379', 'sentinel-3:26379'],
      masterName: 'xl',
      password: 'p',
      sentinelPassword: 'sp',
    });
    const t = redisTarget(c.redis);
    expect(t).toEqual({
      sentinels: ['10.0.0.1:26379', '10.0.0.2:26379', 'sentinel-3:26379'],
      masterName: 'xl',
      password: 'p',
      sentinelPassword: 'sp',
    });
    expect(hasRedis(t)).toBe(true);
    expect(describeRedis(t)).toBe('sentinel xl via 10.0.0.1:26379,10.0.0.2:26379,sentinel-3:26379');
  });

  it('refuses a sentinel address without a port', () => {
    expect(() => city({ sentinels: ['10.0.0.1'] })).toThrow(/sentinels/);
  });
});
