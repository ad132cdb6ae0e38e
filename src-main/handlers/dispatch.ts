import {
  REQUESTS,
  type ApiError,
  type MethodName,
  type RequestOf,
  type Responses,
  type Result,
} from '../contract/index.js'

export type Handlers = { [M in MethodName]: (request: RequestOf<M>) => Promise<Result<Responses[M]>> }

export const failure = (code: ApiError['code'], message: string, fields?: Record<string, string>) => ({
  ok: false as const,
  error: fields ? { code, message, fields } : { code, message },
})

/**
 * The one entry for every caller (Electron IPC, the serve bridge, tests): the method must be one the
 * contract names, the payload must pass its zod schema, and only then does a handler run. A bad request
 * gets one clear error and changes nothing; an unexpected exception becomes an `internal` error whose
 * text never reaches the caller (it could hold anything).
 */
export async function dispatch(
  handlers: Handlers,
  method: unknown,
  payload: unknown,
): Promise<Result<unknown>> {
  if (typeof method !== 'string' || !Object.hasOwn(REQUESTS, method))
    return failure('unknown_method', `There is no method ${JSON.stringify(String(method)).slice(0, 80)}.`)
  const name = method as MethodName
  const parsed = REQUESTS[name].safeParse(payload)
  if (!parsed.success) {
    const fields: Record<string, string> = {}
    for (const issue of parsed.error.issues) {
      const path = issue.path.filter((p) => p !== 'connection').join('.') || '(request)'
      fields[path] ??= issue.message
    }
    const [first, ...rest] = Object.entries(fields)
    const more = rest.length ? ` (and ${rest.length} more)` : ''
    return failure('invalid_request', `Invalid ${name} request: ${first![0]}: ${first![1]}${more}.`, fields)
  }
  try {
    const handler = handlers[name] as (request: unknown) => Promise<Result<unknown>>
    return await handler(parsed.data)
  } catch (e) {
    process.stderr.write(
      `klairr-companion: ${name} failed unexpectedly (${e instanceof Error ? e.name : typeof e})\n`,
    )
    return failure(
      'internal',
      `Klairr Companion hit an unexpected error running ${name}. Try again; if it repeats, restart the app.`,
    )
  }
}
