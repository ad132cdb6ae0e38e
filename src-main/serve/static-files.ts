import { readFile } from 'node:fs/promises'
import { extname, join, normalize, sep } from 'node:path'

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
}

/** A built renderer file by URL path, never outside `root`; null when there is no such file. */
export async function staticFile(
  root: string,
  urlPath: string,
): Promise<{ body: Buffer; type: string } | null> {
  let path: string
  try {
    path = decodeURIComponent(urlPath)
  } catch {
    return null
  }
  if (path.includes('\0')) return null
  const relative = path === '/' ? 'index.html' : normalize(path).replace(/^([/\\])+/, '')
  const full = join(root, relative)
  if (relative.startsWith('..') || !(full + sep).startsWith(root.endsWith(sep) ? root : root + sep))
    return null
  const type = TYPES[extname(full)]
  if (!type) return null
  try {
    return { body: await readFile(full), type }
  } catch {
    return null
  }
}
