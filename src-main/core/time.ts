/** Bounded, cancellable waits. Every wait in core goes through here. */

export class StepTimeoutError extends Error {
  override readonly name = 'StepTimeoutError'
  constructor(
    readonly step: string,
    readonly timeoutMs: number,
  ) {
    super(`${step} did not finish within ${timeoutMs} ms`)
  }
}

export class CancelledError extends Error {
  override readonly name = 'CancelledError'
  constructor() {
    super('cancelled')
  }
}

/**
 * Races `work` against a timer and an abort signal. `onGiveUp` runs when the timer or the signal wins,
 * so the caller can destroy the socket or client that the work was waiting on.
 */
export async function bounded<T>(
  work: Promise<T>,
  opts: { step: string; timeoutMs: number; signal?: AbortSignal; onGiveUp?: () => void },
): Promise<T> {
  const { step, timeoutMs, signal, onGiveUp } = opts
  if (signal?.aborted) {
    onGiveUp?.()
    work.catch(() => undefined)
    throw new CancelledError()
  }
  let timer: NodeJS.Timeout | undefined
  let onAbort: (() => void) | undefined
  const giveUp = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onGiveUp?.()
      reject(new StepTimeoutError(step, timeoutMs))
    }, timeoutMs)
    onAbort = () => {
      onGiveUp?.()
      reject(new CancelledError())
    }
    signal?.addEventListener('abort', onAbort, { once: true })
  })
  try {
    return await Promise.race([work, giveUp])
  } finally {
    clearTimeout(timer)
    if (onAbort) signal?.removeEventListener('abort', onAbort)
    work.catch(() => undefined)
  }
}
