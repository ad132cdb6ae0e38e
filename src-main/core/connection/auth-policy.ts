import type { AuthMethod } from './auth-request.js'
import type { ChannelBinding } from './settings.js'

// libpq's require_auth and channel_binding, judged on each authentication request the server sends,
// before this client answers it (fe-auth.c, check_expected_areq and pg_SASL_init; fe-connect.c parses
// require_auth in pqConnectOptions2). A request they do not allow ends the login with nothing sent.

/** AuthenticationRequest codes (protocol 3.0). */
const OK = 0
const PASSWORD = 3
const MD5 = 5
const GSS = 7
const GSS_CONT = 8
const SSPI = 9
const SASL = 10
const SASL_CONT = 11
const SASL_FIN = 12

/** What require_auth allows, as libpq keeps it: a set of request codes, and whether no exchange at all is allowed. */
export interface RequireAuth {
  /** The text as given, for the messages. */
  text: string
  allowed: Set<number>
  /** false when `none` is allowed (trust, cert): AuthenticationOk may then come without an exchange. */
  authRequired: boolean
}

const METHOD_CODES: Record<string, number[]> = {
  password: [PASSWORD],
  md5: [MD5],
  gss: [GSS, GSS_CONT],
  sspi: [SSPI, GSS_CONT],
  'scram-sha-256': [SASL, SASL_CONT, SASL_FIN],
}
const ALL_CODES = [...new Set(Object.values(METHOD_CODES).flat())]

/** Parses require_auth as libpq does; a string is the one-line reason it is invalid. */
export function parseRequireAuth(text: string): RequireAuth | string {
  const parts = text.split(',')
  const negated = parts[0]?.startsWith('!') ?? false
  // A list allows only what it names; a list of negations allows everything else, and no exchange.
  const policy: RequireAuth = { text, allowed: new Set(negated ? ALL_CODES : []), authRequired: !negated }
  const seen = new Set<string>()
  for (const part of parts) {
    if (part.startsWith('!') !== negated)
      return `negative require_auth method "${part}" cannot be mixed with non-negative methods`
    const method = negated ? part.slice(1) : part
    if (seen.has(method)) return `require_auth method "${method}" is specified more than once`
    seen.add(method)
    if (method === 'none') {
      policy.authRequired = negated
      continue
    }
    const codes = METHOD_CODES[method]
    if (!codes) return `invalid require_auth value: "${method}"`
    for (const code of codes) {
      if (negated) policy.allowed.delete(code)
      else policy.allowed.add(code)
    }
  }
  return policy
}

/** The server asked for something require_auth or channel_binding does not allow: nothing was sent. */
export class AuthPolicyError extends Error {
  override readonly name = 'AuthPolicyError'
  constructor(
    readonly reason: 'auth_method_not_allowed' | 'channel_binding_required',
    message: string,
    /** What the server asked for (trust: it sent AuthenticationOk without an exchange). */
    readonly requested: AuthMethod,
  ) {
    super(message)
  }
}

export interface AuthPolicy {
  requireAuth?: string
  channelBinding?: ChannelBinding
}

/** Where the login stands when a request arrives. */
export interface AuthState {
  tls: boolean
  /** A password was answered, or SASL reached its final message (libpq's client_finished_auth). */
  finished: boolean
  /** The SASL mechanism this client chose, once it has. */
  mechanism: string | null
}

/** The method a request asks for, in evidence.authMethod's names. */
export function requestedMethod(code: number, mechanisms: string[]): AuthMethod {
  switch (code) {
    case OK:
      return 'trust'
    case PASSWORD:
      return 'password'
    case MD5:
      return 'md5'
    case GSS:
    case GSS_CONT:
      return 'gss'
    case SSPI:
      return 'sspi'
    case SASL:
    case SASL_CONT:
    case SASL_FIN:
      return mechanisms.includes('SCRAM-SHA-256-PLUS') ? 'scram-sha-256-plus' : 'scram-sha-256'
    default:
      return `request ${code}`
  }
}

/** libpq's auth_method_description. */
function described(code: number): string {
  switch (code) {
    case PASSWORD:
      return 'server requested a cleartext password'
    case MD5:
      return 'server requested a hashed password'
    case GSS:
    case GSS_CONT:
      return 'server requested GSSAPI authentication'
    case SSPI:
      return 'server requested SSPI authentication'
    case SASL:
    case SASL_CONT:
    case SASL_FIN:
      return 'server requested SASL authentication'
    default:
      return 'server requested an unknown authentication type'
  }
}

/**
 * The refusal of one authentication request, or null when the policy allows it. require_auth is judged
 * first, then channel_binding, as check_expected_areq does; a SASL request under channel_binding=require
 * must offer SCRAM-SHA-256-PLUS over TLS (pg_SASL_init).
 */
export function judgeAuthRequest(
  policy: AuthPolicy,
  code: number,
  mechanisms: string[],
  state: AuthState,
): AuthPolicyError | null {
  const method = requestedMethod(code, mechanisms)
  if (policy.requireAuth) {
    const parsed = parseRequireAuth(policy.requireAuth)
    if (typeof parsed === 'string') return new AuthPolicyError('auth_method_not_allowed', parsed, method)
    const fail = (why: string) =>
      new AuthPolicyError(
        'auth_method_not_allowed',
        `authentication method requirement "${parsed.text}" failed: ${why}`,
        method,
      )
    if (code === OK) {
      if (parsed.authRequired && !state.finished) return fail('server did not complete authentication')
    } else if (!parsed.allowed.has(code)) return fail(described(code))
  }
  if (policy.channelBinding === 'require') {
    const fail = (message: string) => new AuthPolicyError('channel_binding_required', message, method)
    if (code === SASL) {
      if (!state.tls) return fail('channel binding is required, but SSL not in use')
      if (!mechanisms.includes('SCRAM-SHA-256-PLUS'))
        return fail(
          'channel binding is required, but server did not offer an authentication method that supports channel binding',
        )
    } else if (code === OK) {
      if (state.mechanism !== 'SCRAM-SHA-256-PLUS')
        return fail('channel binding required, but server authenticated client without channel binding')
    } else if (code !== SASL_CONT && code !== SASL_FIN)
      return fail("channel binding required but not supported by server's authentication request")
  }
  return null
}
