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
      const ajv = new Ajv({ allErrors: true, strict: true })
      addFormats(ajv)
      return ajv.compile(EXPORT_SCHEMA)
    },
  )
  return validator
}

export type ParsedExport = { ok: true; doc: ExportDocument } | { ok: false; errors: string[] }

/** Reads an export back: JSON first, then the schema; one clear line per malformed or tampered field. */
export async function parseExport(text: string): Promise<ParsedExport> {
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch (e) {
    return { ok: false, errors: [`not JSON: ${(e as Error).message}`] }
  }
  const validate = await compile()
  if (validate(data)) {
    const doc = data as ExportDocument
    const errors = (doc.guard?.allowFunctions ?? []).flatMap((text, i) => {
      const problem = allowedFunctionProblem(text)
      return problem ? [`/guard/allowFunctions/${i}: ${problem}`] : []
    })
    return errors.length ? { ok: false, errors } : { ok: true, doc }
  }
  const errors = (validate.errors ?? []).map((err) => {
    const at = err.instancePath || '(the document)'
    const listed = /^\/guard\/allowFunctions\/(\d+)$/.exec(at)
    if (listed && err.keyword === 'pattern') {
      const text = (data as { guard: { allowFunctions: string[] } }).guard.allowFunctions[Number(listed[1])]!
      return `${at}: ${allowedFunctionProblem(text) ?? 'not a function name as export writes it'}`
    }
    if (err.keyword === 'additionalProperties')
      return `${at}: unknown field "${String(err.params.additionalProperty)}"`
    if (err.keyword === 'required') return `${at}: missing field "${String(err.params.missingProperty)}"`
    if (err.keyword === 'const') return `${at}: must be ${JSON.stringify(err.params.allowedValue)}`
    if (err.keyword === 'enum')
      return `${at}: must be one of ${(err.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`
    return `${at}: ${err.message ?? err.keyword}`
  })
  return { ok: false, errors: [...new Set(errors)] }
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
