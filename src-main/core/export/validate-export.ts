import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs'
import { describeUnsafe, firstUnsafe, printable, printableShort } from '../printable.js'
import { formatAllowedFunction, parseAllowedFunction } from '../sql/allowed-functions.js'
import { EXPORT_SCHEMA, type ExportDocument } from './export-document.js'

type Validator = ((data: unknown) => boolean) & {
  errors?:
    { instancePath: string; message?: string; keyword: string; params: Record<string, unknown> }[] | null
}

let validator: Promise<Validator> | undefined

/** Compiles the published schema once, with Ajv (draft 2020-12) and its formats; loaded only when needed. */
function compile(): Promise<Validator> {
  validator ??= Promise.all([import('ajv/dist/2020.js'), import('ajv-formats')]).then(
    ([ajvModule, formatsModule]) => {
      const Ajv = (ajvModule.default ?? ajvModule) as unknown as new (opts: object) => {
        compile(s: object): Validator
      }
      const addFormats = (formatsModule.default ?? formatsModule) as unknown as (ajv: object) => void
      const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true })
      addFormats(ajv)
      return ajv.compile(EXPORT_SCHEMA)
    },
  )
  return validator
}

export type ParsedExport = { ok: true; doc: ExportDocument } | { ok: false; errors: string[] }

/** The largest export read back: checked before it is parsed (a real one is a few KiB). */
export const EXPORT_MAX_BYTES = 64 * 1024

export class ExportFileError extends Error {
  override readonly name = 'ExportFileError'
}

/**
 * Reads an export file, never more than EXPORT_MAX_BYTES + 1 bytes of it (a FIFO or /dev/zero cannot
 * make it read on), and refuses what is not a regular file or is larger, in one line.
 */
export function readExportFile(path: string): string {
  let fd: number
  try {
    // Non-blocking: opening a FIFO must not wait for a writer (it is then refused as not a regular file).
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK)
  } catch {
    throw new ExportFileError(`cannot read ${printable(path)}`)
  }
  try {
    const st = fstatSync(fd)
    if (!st.isFile()) throw new ExportFileError(`${printable(path)}: not a regular file`)
    if (st.size > EXPORT_MAX_BYTES) throw new ExportFileError(tooLarge(path, st.size))
    const buffer = Buffer.alloc(EXPORT_MAX_BYTES + 1)
    let length = 0
    for (;;) {
      const n = readSync(fd, buffer, length, buffer.length - length, null)
      if (n === 0) break
      length += n
      if (length > EXPORT_MAX_BYTES) throw new ExportFileError(tooLarge(path, length))
    }
    return buffer.subarray(0, length).toString('utf8')
  } finally {
    closeSync(fd)
  }
}

const tooLarge = (path: string, size: number) =>
  `${printable(path)}: ${size} bytes or more, larger than ${EXPORT_MAX_BYTES} (a connector file is a few KiB): refused before parsing`

/**
 * Reads an export back: the size first, then JSON, then the schema; one clear line per malformed or
 * tampered field, with every character of the file that could forge a terminal shown escaped.
 */
export async function parseExport(text: string): Promise<ParsedExport> {
  const bytes = Buffer.byteLength(text, 'utf8')
  if (bytes > EXPORT_MAX_BYTES)
    return {
      ok: false,
      errors: [
        `${bytes} bytes, larger than ${EXPORT_MAX_BYTES} (a connector file is a few KiB): refused before parsing`,
      ],
    }
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch (e) {
    return { ok: false, errors: [`not JSON: ${printableShort((e as Error).message)}`] }
  }
  const validate = await compile()
  if (validate(data)) {
    const doc = data as ExportDocument
    const errors = (doc.guard?.allowFunctions ?? []).flatMap((text, i) => {
      const problem = allowedFunctionProblem(text)
      return problem ? [`/guard/allowFunctions/${i}: ${problem}`] : []
    })
    return errors.length ? { ok: false, errors: errors.map(printable) } : { ok: true, doc }
  }
  const errors = (validate.errors ?? []).map((err) => {
    const at = printable(err.instancePath || '(the document)')
    const listed = /^\/guard\/allowFunctions\/(\d+)$/.exec(at)
    if (listed && err.keyword === 'pattern') {
      const text = (data as { guard: { allowFunctions: string[] } }).guard.allowFunctions[Number(listed[1])]!
      return `${at}: ${allowedFunctionProblem(text) ?? 'not a function name as export writes it'}`
    }
    if (err.keyword === 'pattern') {
      const value = valueAt(data, err.instancePath)
      const unsafe = typeof value === 'string' ? firstUnsafe(value) : null
      if (unsafe) return `${at}: ${describeUnsafe(unsafe)}`
      const hint = PATTERN_HINTS.find(([path]) => path.test(err.instancePath))?.[1]
      return `${at}: must match pattern${hint ? ` (${hint})` : ''}`
    }
    if (err.keyword === 'maxLength')
      return `${at}: must NOT have more than ${String(err.params.limit)} characters`
    if (err.keyword === 'additionalProperties')
      return `${at}: unknown field "${printableShort(String(err.params.additionalProperty), 80)}"`
    if (err.keyword === 'required') return `${at}: missing field "${String(err.params.missingProperty)}"`
    if (err.keyword === 'if') return null
    if (err.keyword === 'const') return `${at}: must be ${JSON.stringify(err.params.allowedValue)}`
    if (err.keyword === 'enum')
      return `${at}: must be one of ${(err.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`
    return `${at}: ${printableShort(err.message ?? err.keyword)}`
  })
  return { ok: false, errors: [...new Set(errors.filter((e): e is string => e !== null))] }
}

/** What each patterned field must be, said plainly (the patterns themselves are in the schema). */
const PATTERN_HINTS: [RegExp, string][] = [
  [/^\/connector\/host$/, 'a host name or an IP address'],
  [
    /^\/verification\/tls\/certificateSha256$/,
    'a SHA-256 fingerprint, 32 upper-case hex pairs joined by ":"',
  ],
  [/^\/verification\/tool$/, 'klairr-companion/VERSION'],
  [/^\/verification\/checks\/\d+\/(reason|troubleshooting)$/, 'a code in lower case'],
  [/^\/secret\/recipientKeySha256$/, '64 lower-case hex digits'],
  [/^\/secret\/iv$/, 'base64 of 12 bytes'],
  [/^\/secret\/tag$/, 'base64 of 16 bytes'],
  [/^\/secret\/encryptedKey$/, 'base64: an X25519 public key (SPKI) or an RSA-OAEP block'],
  [/^\/secret\/ciphertext$/, 'base64; in v2 a multiple of 64 bytes'],
]

function valueAt(data: unknown, pointer: string): unknown {
  let at = data
  for (const part of pointer.split('/').slice(1)) {
    const key = part.replace(/~1/g, '/').replace(/~0/g, '~')
    if (at === null || typeof at !== 'object' || !Object.hasOwn(at, key)) return undefined
    at = (at as Record<string, unknown>)[key]
  }
  return at
}

/**
 * What is wrong with one allowed function as the file holds it: not `schema.name` by PostgreSQL's rules,
 * or not spelled the one way export writes it (which the schema's pattern alone cannot fully say).
 */
function allowedFunctionProblem(text: string): string | null {
  const parsed = parseAllowedFunction(text)
  if (!parsed.ok) return parsed.message
  const canonical = formatAllowedFunction(parsed.value)
  return canonical === text ? null : `not written as export writes it (${canonical})`
}
