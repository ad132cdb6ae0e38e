import { request } from 'node:http'
import { SESSION_HEADER } from '../../src-main/serve/server.js'

export interface HttpReply {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
}

/** One HTTP request with exactly the headers given (fetch would not let a test set Host). */
export function httpRequest(
  port: number,
  opts: {
    path?: string
    method?: string
    headers?: Record<string, string>
    body?: string
    host?: string
  } = {},
): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: opts.host ?? '127.0.0.1',
        port,
        path: opts.path ?? '/',
        method: opts.method ?? 'GET',
        headers: opts.headers,
        agent: false,
      },
      (res) => {
        let body = ''
        res.on('data', (c) => (body += c))
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }))
      },
    )
    req.on('error', reject)
    req.end(opts.body)
  })
}

/**
 * Opens a session on `serve` as its page does (trades the printed URL's one-time `#token`) and returns
 * a caller of `/api/invoke` that sends the session header.
 */
export async function openServeSession(
  printedUrl: string | URL,
): Promise<(method: string, payload: unknown) => Promise<HttpReply>> {
  const url = new URL(printedUrl)
  const port = Number(url.port)
  const host = `127.0.0.1:${port}`
  const base = { Host: host, Origin: `http://${host}`, 'Content-Type': 'application/json' }
  const login = await httpRequest(port, {
    path: '/api/session',
    method: 'POST',
    headers: base,
    body: JSON.stringify({ token: new URLSearchParams(url.hash.slice(1)).get('token') }),
  })
  if (login.status !== 200) throw new Error(`serve refused the session: ${login.status} ${login.body}`)
  const secret = (JSON.parse(login.body) as { session: string }).session
  return (method, payload) =>
    httpRequest(port, {
      path: '/api/invoke',
      method: 'POST',
      headers: { ...base, [SESSION_HEADER]: secret },
      body: JSON.stringify({ method, payload }),
    })
}
