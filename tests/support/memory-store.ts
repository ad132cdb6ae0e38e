/** A key-value store in memory, as electron-store keeps one: values are copied in, `file` shows them all. */
export function memoryStore() {
  const file = new Map<string, unknown>()
  return {
    get: (k: string) => file.get(k),
    set: (k: string, v: unknown) => void file.set(k, structuredClone(v)),
    file,
  }
}
