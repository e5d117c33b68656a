/** One `next` event of a GraphQL subscription over Server-Sent Events. */
export interface SubscriptionEvent {
  data?: Record<string, unknown>;
  errors?: unknown[];
}

export interface OpenSubscription {
  /** The next `next` event; rejects when the stream ends first. */
  next(): Promise<SubscriptionEvent>;
  close(): void;
}

/**
 * Opens a GraphQL subscription with a plain fetch (as any SSE client would: POST, `accept:
 * text/event-stream`) and resolves once the server answered with the stream.
 */
export async function subscribe(url: string, query: string, token: string): Promise<OpenSubscription> {
  const abort = new AbortController();
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query }),
    signal: abort.signal,
  });
  if (!response.ok || !response.body || !response.headers.get('content-type')?.startsWith('text/event-stream')) {
    throw new Error(`the subscription was refused: ${response.status} ${await response.text()}`);
  }
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  async function next(): Promise<SubscriptionEvent> {
    for (;;) {
      let boundary: number;
      while ((boundary = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, boundary);
        buffer = buffer.slice(boundary + 2);
        const lines = block.split('\n');
        const event = lines.find((line) => line.startsWith('event:'))?.slice(6).trim();
        const data = lines
          .filter((line) => line.startsWith('data:'))
          .map((line) => line.slice(5).replace(/^ /, ''))
          .join('\n');
        if (event === 'next') return JSON.parse(data) as SubscriptionEvent;
        if (event === 'complete') throw new Error('the subscription completed without another event');
      }
      const { value, done } = await reader.read();
      if (done) throw new Error('the stream ended');
      buffer += value;
    }
  }
  return { next, close: () => abort.abort() };
}
