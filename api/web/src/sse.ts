/**
 * A Server-Sent Events parser (WHATWG HTML §9.2.6). The dashboard reads `/api/v1/stream`
 * with `fetch` rather than `EventSource`, because `EventSource` cannot send the
 * `Authorization` header the API requires. Pure: text in, events out.
 */

export interface SseEvent {
  event: string;
  data: string;
  id?: string;
}

export interface SseState {
  buf: string;
  event: string;
  data: string[];
  id?: string;
}

export const initialSse = (): SseState => ({ buf: '', event: '', data: [] });

/** Feeds a decoded chunk; returns the completed events and the state for the next chunk. */
export function feedSse(state: SseState, chunk: string): { events: SseEvent[]; state: SseState } {
  const events: SseEvent[] = [];
  let { event, data, id } = state;
  const text = state.buf + chunk;
  const lines = text.split(/\r\n|\r|\n/);
  // The last piece has no line terminator yet (or is '' after one): keep it for next time.
  // A lone '\r' at the end may be half of '\r\n'; the split above treats it as a terminator
  // and the '\n' that follows then yields one extra empty line, which would end an event
  // early, so hold a trailing '\r' back.
  let rest = lines.pop() ?? '';
  if (text.endsWith('\r')) {
    rest = `${lines.pop() ?? ''}\r`;
  }
  for (const line of lines) {
    if (line === '') {
      if (data.length)
        events.push(
          id === undefined
            ? { event: event || 'message', data: data.join('\n') }
            : { event: event || 'message', data: data.join('\n'), id },
        );
      event = '';
      data = [];
      continue;
    }
    if (line.startsWith(':')) continue;
    const i = line.indexOf(':');
    const name = i < 0 ? line : line.slice(0, i);
    let value = i < 0 ? '' : line.slice(i + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (name === 'event') event = value;
    else if (name === 'data') data = [...data, value];
    else if (name === 'id' && !value.includes('\0')) id = value;
  }
  const next: SseState = id === undefined ? { buf: rest, event, data } : { buf: rest, event, data, id };
  return { events, state: next };
}
