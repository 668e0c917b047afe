import { describe, expect, it } from 'vitest';
import { signJwt, verifyJwt } from './jwt.js';

const O = { secret: 's'.repeat(32), issuer: 'xueliang', maxTtlSec: 3600, clockSkewSec: 30 };
// calendar-safe: a pure function of the time it is given (no store, no clock).
const NOW = 1_800_000_000_000;
const claims = {
  sub: 'u1',
  role: 'analyst' as const,
  org: 'xihu',
  iat: NOW / 1000,
  exp: NOW / 1000 + 600,
  iss: 'xueliang',
};

describe('verifyJwt', () => {
  it('accepts a well-formed HS256 token', () => {
    expect(verifyJwt(signJwt(claims, O.secret), O, NOW)).toEqual({ claims });
  });
  it.each([
    ['another secret', signJwt(claims, 't'.repeat(32)), NOW, /signature/],
    ['expired', signJwt(claims, O.secret), NOW + 700_000, /expired/],
    ['within skew', signJwt(claims, O.secret), NOW + 620_000, null],
    ['not yet valid', signJwt({ ...claims, nbf: NOW / 1000 + 100 }, O.secret), NOW, /not yet/],
    ['too long-lived', signJwt({ ...claims, exp: NOW / 1000 + 7200 }, O.secret), NOW, /maxTtl/],
    ['wrong issuer', signJwt({ ...claims, iss: 'other' }, O.secret), NOW, /issuer/],
    ['bad role', signJwt({ ...claims, role: 'root' as never }, O.secret), NOW, /role/],
    [
      'alg none',
      `${Buffer.from('{"alg":"none"}').toString('base64url')}.${signJwt(claims, O.secret).split('.')[1]}.`,
      NOW,
      /HS256/,
    ],
    ['garbage', 'a.b.c', NOW, /malformed/],
  ])('%s', (_n, token, now, reason) => {
    const r = verifyJwt(token, O, now);
    if (reason === null) expect(r).toHaveProperty('claims');
    else expect((r as { reason: string }).reason).toMatch(reason);
  });
  it('is disabled without a secret of at least 32 characters', () => {
    expect(verifyJwt(signJwt(claims, 'short'), { ...O, secret: 'short' }, NOW)).toHaveProperty('reason');
  });
});
