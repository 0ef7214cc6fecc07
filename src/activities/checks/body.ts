/** How much of a response body a probe reads at most; enough for any health document. */
export const defaultBodyLimitBytes = 64 * 1024;

export interface BodyPrefix {
  text: string;
  /** True when the body reached the limit; the rest was never downloaded. */
  truncated: boolean;
}

/**
 * Reads a body up to `limitBytes` and stops there (returning from the loop cancels the stream and drops
 * the connection), so a multi-megabyte or endless body costs one limit's worth of memory.
 */
export async function readBodyPrefix(body: AsyncIterable<Uint8Array>, limitBytes: number): Promise<BodyPrefix> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body) {
    const room = limitBytes - size;
    chunks.push(chunk.byteLength > room ? chunk.subarray(0, room) : chunk);
    size += Math.min(chunk.byteLength, room);
    if (size >= limitBytes) return { text: decode(chunks), truncated: true };
  }
  return { text: decode(chunks), truncated: false };
}

/**
 * Reads and drops a body the probe does not need, up to `limitBytes`. Reading a short body to its end
 * (rather than cancelling it) keeps the connection reusable; a long one is cut off at the limit.
 */
export async function discardBody(body: AsyncIterable<Uint8Array>, limitBytes: number): Promise<void> {
  let size = 0;
  for await (const chunk of body) {
    size += chunk.byteLength;
    if (size >= limitBytes) return;
  }
}

function decode(chunks: Uint8Array[]): string {
  const decoder = new TextDecoder();
  return chunks.map((chunk, i) => decoder.decode(chunk, { stream: i < chunks.length - 1 })).join('');
}
