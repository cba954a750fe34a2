/** Server-sent events, the wire format: one message per block of `field: value` lines. */
export interface LiveMessage {
  event: string;
  data: unknown;
}

/** One block of an SSE stream (the text between blank lines) as a message; comments and empty blocks give null. */
export function parseSseBlock(block: string): LiveMessage | null {
  let event = 'message';
  const data: string[] = [];
  for (const line of block.split(/\r?\n/)) {
    if (line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
  }
  if (data.length === 0) return null;
  const text = data.join('\n');
  try {
    return { event, data: JSON.parse(text) };
  } catch {
    return { event, data: text };
  }
}
