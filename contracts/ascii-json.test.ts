import { describe, expect, it } from 'vitest';
import { asciiJson, asciiOnly } from './ascii-json.js';

describe('asciiJson', () => {
  it('writes non-ASCII characters as escapes and parses back to the same value', () => {
    const v = { plate: '浙A12345', emoji: 'a😀b', del: '\u007f', sep: '\u2028', plain: 'car', n: [1, 0.5] };
    const s = asciiJson(v);
    expect(/^[\x20-\x7e]*$/.test(s)).toBe(true);
    expect(s).toContain('\\u6d59A12345');
    expect(s).toContain('\\ud83d\\ude00');
    expect(JSON.parse(s)).toEqual(v);
  });

  it('returns ASCII text as it is', () => {
    const s = JSON.stringify({ a: 'b', c: [1, 2] });
    expect(asciiOnly(s)).toBe(s);
  });
});
