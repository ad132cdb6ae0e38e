/** Backend messages of the PostgreSQL protocol, built by hand for fake servers and gate tests. */

export function message(type: string, body: Buffer = Buffer.alloc(0), length = body.length + 4): Buffer {
  const header = Buffer.alloc(5)
  header.write(type, 0, 'latin1')
  header.writeInt32BE(length, 1)
  return Buffer.concat([header, body])
}

const int16 = (n: number) => {
  const b = Buffer.alloc(2)
  b.writeInt16BE(n)
  return b
}
const int32 = (n: number) => {
  const b = Buffer.alloc(4)
  b.writeInt32BE(n)
  return b
}
const cstring = (s: string) => Buffer.from(`${s}\0`)

export const authenticationOk = () => message('R', int32(0))
export const backendKeyData = (pid: number, key: number) =>
  message('K', Buffer.concat([int32(pid), int32(key)]))
export const parameterStatus = (name: string, value: string) =>
  message('S', Buffer.concat([cstring(name), cstring(value)]))
export const readyForQuery = (status = 'I') => message('Z', Buffer.from(status))
export const parseComplete = () => message('1')
export const bindComplete = () => message('2')
export const noData = () => message('n')
export const commandComplete = (tag: string) => message('C', cstring(tag))

export function rowDescription(names: string[], typeOid = 25): Buffer {
  const fields = names.map((n) =>
    Buffer.concat([cstring(n), int32(0), int16(0), int32(typeOid), int16(-1), int32(-1), int16(0)]),
  )
  return message('T', Buffer.concat([int16(names.length), ...fields]))
}

export function dataRow(cells: (string | null)[]): Buffer {
  const parts = [int16(cells.length)]
  for (const c of cells) {
    if (c === null) parts.push(int32(-1))
    else {
      const b = Buffer.from(c)
      parts.push(int32(b.length), b)
    }
  }
  return message('D', Buffer.concat(parts))
}

/** An ErrorResponse (or NoticeResponse with type 'N') with the given fields, e.g. { S: 'ERROR', C: '22012', M: '…' }. */
export function errorResponse(fields: Record<string, string>, type = 'E'): Buffer {
  const parts = Object.entries(fields).map(([k, v]) => Buffer.concat([Buffer.from(k), cstring(v)]))
  return message(type, Buffer.concat([...parts, Buffer.from([0])]))
}

/** Only a header: a message that claims `length` and whose body never comes (or comes later). */
export function header(type: string, length: number): Buffer {
  return message(type, Buffer.alloc(0), length)
}

export { int16, int32, cstring }

/** A StartupMessage's parameters (`user`, `database`, …), from the packet without its length and version. */
export function startupParameters(body: Buffer): Record<string, string> {
  const parts = body.toString('utf8').split('\0')
  const out: Record<string, string> = {}
  for (let i = 0; i + 1 < parts.length; i += 2) if (parts[i]) out[parts[i]!] = parts[i + 1]!
  return out
}
