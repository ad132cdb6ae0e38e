/** Long work in flight, by the job id the renderer chose: each can be cancelled once. */
export class Jobs {
  private readonly running = new Map<string, AbortController>()

  /** Null when that id is already running (the renderer reused it). */
  start(jobId: string): AbortSignal | null {
    if (this.running.has(jobId)) return null
    const controller = new AbortController()
    this.running.set(jobId, controller)
    return controller.signal
  }

  finish(jobId: string): void {
    this.running.delete(jobId)
  }

  cancel(jobId: string): boolean {
    const controller = this.running.get(jobId)
    if (!controller) return false
    controller.abort()
    this.running.delete(jobId)
    return true
  }

  /** On quit: every connection still open is abandoned. */
  cancelAll(): void {
    for (const id of [...this.running.keys()]) this.cancel(id)
  }
}

/** The last finished runs, by run id, newest last: export reads the report main kept, never the renderer's. */
export class RecentRuns<T> {
  private readonly runs = new Map<string, T>()
  constructor(private readonly keep = 20) {}

  add(id: string, run: T): void {
    this.runs.delete(id)
    this.runs.set(id, run)
    while (this.runs.size > this.keep) this.runs.delete(this.runs.keys().next().value!)
  }

  get(id: string): T | undefined {
    return this.runs.get(id)
  }
}
