import { describe, expect, it } from 'vitest';
import { LocalBlocks } from './local-blocks.js';

describe('LocalBlocks', () => {
  it('hands a block out once, and drops the oldest past its bound', () => {
    const l = new LocalBlocks(10);
    l.put('a', Buffer.from('aaaa'));
    l.put('b', Buffer.from('bbbb'));
    expect(l.take('a')?.toString()).toBe('aaaa');
    expect(l.take('a')).toBeUndefined();
    l.put('c', Buffer.from('cccc'));
    l.put('d', Buffer.from('dddd'));
    // 12 bytes > 10: b, the oldest, went.
    expect(l.take('b')).toBeUndefined();
    expect(l.size).toBe(8);
    expect(l.take('c')?.toString()).toBe('cccc');
    // Larger than the bound alone: not kept.
    l.put('e', Buffer.alloc(11));
    expect(l.take('e')).toBeUndefined();
    expect(l.size).toBe(4);
  });
});
