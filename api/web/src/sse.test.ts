import { describe, expect, it } from 'vitest';
import { feedSse, initialSse, type SseEvent } from './sse.js';

function parseAll(chunks: string[]): SseEvent[] {
  let state = initialSse();
  const out: SseEvent[] = [];
  for (const c of chunks) {
    const r = feedSse(state, c);
    out.push(...r.events);
    state = r.state;
  }
  return out;
}

describe('feedSse', () => {
  it.each([
    ['one event', ['event: hit\ndata: {"a":1}\n\n'], [{ event: 'hit', data: '{"a":1}' }]],
    ['default event name', ['data: x\n\n'], [{ event: 'message', data: 'x' }]],
    ['multi-line data', ['data: a\ndata: b\n\n'], [{ event: 'message', data: 'a\nb' }]],
    ['comments and heartbeats', [': ping\n\n', 'data: y\n\n'], [{ event: 'message', data: 'y' }]],
    [
      'split across chunks',
      ['event: ta', 'sk\nda', 'ta: {"id":1}\n', '\n'],
      [{ event: 'task', data: '{"id":1}' }],
    ],
    ['CRLF split between \\r and \\n', ['data: z\r', '\n\r\n'], [{ event: 'message', data: 'z' }]],
    ['id carried', ['id: 7\ndata: q\n\n'], [{ event: 'message', data: 'q', id: '7' }]],
    ['no space after colon', ['data:raw\n\n'], [{ event: 'message', data: 'raw' }]],
    ['incomplete event waits', ['data: never ends\n'], []],
    [
      'event name resets after dispatch',
      ['event: hit\ndata: 1\n\ndata: 2\n\n'],
      [
        { event: 'hit', data: '1' },
        { event: 'message', data: '2' },
      ],
    ],
  ])('%s', (_name, chunks, want) => {
    expect(parseAll(chunks)).toEqual(want);
  });
});
