/**
 * Server-sent events read from a fetch stream, so the request can carry the session header (an
 * EventSource cannot send headers). Reconnects after a dropped stream; stops for good on 401 or 403.
 */
export function streamEvents(
  url: string,
  headers: Record<string, string>,
  onData: (data: string) => void,
  doFetch: typeof fetch = (input, init) => window.fetch(input, init),
  retryMs = 1000,
): () => void {
  const abort = new AbortController()
  const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
  void (async () => {
    while (!abort.signal.aborted) {
      try {
        const response = await doFetch(url, {
          headers,
          credentials: 'omit',
          cache: 'no-store',
          signal: abort.signal,
        })
        if (response.status === 401 || response.status === 403) return
        if (response.ok && response.body) await readFrames(response.body, onData)
      } catch {
        // A dropped connection: try again below, unless stopped.
      }
      if (!abort.signal.aborted) await wait(retryMs)
    }
  })()
  return () => abort.abort()
}

/** Splits an event stream into its frames and hands on each frame's data lines. */
export async function readFrames(body: ReadableStream<Uint8Array>, onData: (data: string) => void) {
  const reader = body.getReader()
  const decoder = new TextDecoder()
  let buffer = ''
  for (;;) {
    const { done, value } = await reader.read()
    if (done) return
    buffer += decoder.decode(value, { stream: true })
    const frames = buffer.split(/\r?\n\r?\n/)
    buffer = frames.pop() ?? ''
    for (const frame of frames) {
      const data = frame
        .split(/\r?\n/)
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(line[5] === ' ' ? 6 : 5))
      if (data.length) onData(data.join('\n'))
    }
  }
}
