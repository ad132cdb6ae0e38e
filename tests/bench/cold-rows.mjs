// (d)'s floor for a new process: how long a fresh Node process takes to parse 1,000 DataRow messages
// shaped like the bench table's rows with node-postgres' protocol parser, with no network and no server.
// Run as its own process (`node tests/bench/cold-rows.mjs`); prints the milliseconds.
import { Buffer } from 'node:buffer'
import { performance } from 'node:perf_hooks'
import { PassThrough } from 'node:stream'
import { createRequire } from 'node:module'

// The parser node-postgres itself loads (a dependency of pg, not of this project).
const requireFromPg = createRequire(createRequire(import.meta.url).resolve('pg'))
const { parse } = requireFromPg('pg-protocol')

const ROWS = 1000
const messages = []
for (let i = 1; i <= ROWS; i++) {
  const cells = [
    String(i),
    String((i * 7919) % 1000),
    'd41d8cd98f00b204e9800998ecf8427e',
    '2024-01-01 00:16:40+00',
    '1234.56',
  ]
  const parts = [Buffer.from([0, cells.length])]
  for (const cell of cells) {
    const length = Buffer.alloc(4)
    length.writeInt32BE(Buffer.byteLength(cell))
    parts.push(length, Buffer.from(cell))
  }
  const body = Buffer.concat(parts)
  const head = Buffer.alloc(5)
  head[0] = 0x44 // 'D'
  head.writeInt32BE(body.length + 4, 1)
  messages.push(head, body)
}
const wire = Buffer.concat(messages)
const stream = new PassThrough()
let rows = 0
const started = performance.now()
const done = parse(stream, (message) => {
  if (message.name === 'dataRow') rows++
})
// The server's TLS records carry 8 KB of rows each.
for (let offset = 0; offset < wire.length; offset += 8192) stream.write(wire.subarray(offset, offset + 8192))
stream.end()
await done
if (rows !== ROWS) throw new Error(`parsed ${rows} rows`)
process.stdout.write(`${(performance.now() - started).toFixed(2)}\n`)
