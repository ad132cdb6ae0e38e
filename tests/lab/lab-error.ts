/**
 * A lab failure the person running it can fix: its message is one line saying what to do, and the demo,
 * the bench and the test setup print only that line (no stack).
 */
export class LabError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'LabError'
  }
}

/** One line for any error: a LabError's message, or an unexpected error's first line. */
export function oneLine(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e)
  return (text.split('\n').find((l) => l.trim()) ?? 'unknown error').trim()
}
