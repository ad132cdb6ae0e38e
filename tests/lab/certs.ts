import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** The lab's certificates, all made here with openssl: a CA and leaves in each state the TLS check must recognise. */
export interface LabCerts {
  dir: string
  caCert: string
  leaves: Record<LeafName, { cert: string; key: string }>
}

export type LeafName = 'good' | 'wrongHost' | 'expired' | 'notYetValid' | 'selfSigned'

const CA_CONFIG = `[ ca ]
default_ca = lab
[ lab ]
dir = .
database = index.txt
new_certs_dir = .
serial = serial
default_md = sha256
policy = any
copy_extensions = copy
unique_subject = no
[ any ]
commonName = supplied
`

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] })
}

function stamp(d: Date): string {
  return d.toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z'
}

/** A key and a certificate for `cn` signed by the lab's CA in `dir`; with `san` for a server. */
function signLeaf(dir: string, name: string, cn: string, san: string | null, start: Date, end: Date) {
  openssl(dir, [
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.csr`,
    '-subj',
    `/CN=${cn}`,
    ...(san ? ['-addext', `subjectAltName=${san}`] : []),
  ])
  openssl(dir, [
    'ca',
    '-batch',
    '-config',
    'ca.cnf',
    '-cert',
    'ca.crt',
    '-keyfile',
    'ca.key',
    '-in',
    `${name}.csr`,
    '-out',
    `${name}.crt`,
    '-notext',
    '-startdate',
    stamp(start),
    '-enddate',
    stamp(end),
  ])
  return { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) }
}

let clientSerial = 0

/**
 * A client certificate for `cn` from the lab's CA, valid for a month; with a passphrase, its key is
 * encrypted (the passphrase reaches openssl through its environment, never a command line).
 */
export function clientCert(certs: LabCerts, cn: string, passphrase?: string): { cert: string; key: string } {
  const name = `client-${process.pid}-${++clientSerial}`
  const day = 24 * 3600 * 1000
  const plain = signLeaf(
    certs.dir,
    name,
    cn,
    null,
    new Date(Date.now() - day),
    new Date(Date.now() + 30 * day),
  )
  if (passphrase === undefined) return plain
  execFileSync(
    'openssl',
    [
      'pkey',
      '-in',
      `${name}.key`,
      '-aes256',
      '-passout',
      'env:KLAIRR_KEY_PASSPHRASE',
      '-out',
      `${name}.enc.key`,
    ],
    {
      cwd: certs.dir,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, KLAIRR_KEY_PASSPHRASE: passphrase },
    },
  )
  return { cert: plain.cert, key: join(certs.dir, `${name}.enc.key`) }
}

export function makeCerts(dir: string): LabCerts {
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, 'ca.cnf'), CA_CONFIG)
  writeFileSync(join(dir, 'index.txt'), '')
  writeFileSync(join(dir, 'serial'), '1000\n')
  openssl(dir, [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-days',
    '3650',
    '-subj',
    '/CN=Klairr Lab CA',
  ])

  const year = 365 * 24 * 3600 * 1000
  const now = Date.now()
  const signed = (name: string, cn: string, san: string, start: Date, end: Date) =>
    signLeaf(dir, name, cn, san, start, end)
  const localhostSan = 'DNS:localhost,IP:127.0.0.1'
  const leaves: LabCerts['leaves'] = {
    good: signed('good', 'localhost', localhostSan, new Date(now - year), new Date(now + 5 * year)),
    wrongHost: signed(
      'wrong-host',
      'db.wrong.example',
      'DNS:db.wrong.example',
      new Date(now - year),
      new Date(now + 5 * year),
    ),
    expired: signed('expired', 'localhost', localhostSan, new Date(now - 3 * year), new Date(now - year)),
    notYetValid: signed(
      'not-yet-valid',
      'localhost',
      localhostSan,
      new Date(now + year),
      new Date(now + 2 * year),
    ),
    selfSigned: { cert: join(dir, 'self-signed.crt'), key: join(dir, 'self-signed.key') },
  }
  openssl(dir, [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'self-signed.key',
    '-out',
    'self-signed.crt',
    '-days',
    '365',
    '-subj',
    '/CN=localhost',
    '-addext',
    `subjectAltName=${localhostSan}`,
  ])
  return { dir, caCert: join(dir, 'ca.crt'), leaves }
}

/**
 * A PEM certificate revocation list from the CA in `dir` (ca.crt, ca.key) that revokes the certificates
 * given (none: an empty, valid list). Made in a directory of its own, with its own CA database, so the
 * lab's index is never touched by tests running beside it.
 */
export function revocationList(dir: string, revoked: string[]): string {
  const work = mkdtempSync(join(tmpdir(), 'klairr-crl-'))
  try {
    // The CRL settings belong to the [ lab ] section, before [ any ].
    writeFileSync(
      join(work, 'ca.cnf'),
      CA_CONFIG.replace('[ any ]', 'crlnumber = crlnumber\ndefault_crl_days = 30\n[ any ]'),
    )
    writeFileSync(join(work, 'index.txt'), '')
    writeFileSync(join(work, 'crlnumber'), '01\n')
    const ca = ['-config', 'ca.cnf', '-cert', join(dir, 'ca.crt'), '-keyfile', join(dir, 'ca.key')]
    for (const cert of revoked) openssl(work, ['ca', ...ca, '-revoke', cert])
    openssl(work, ['ca', ...ca, '-gencrl', '-out', 'crl.pem'])
    return readFileSync(join(work, 'crl.pem'), 'utf8')
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}
