import { useRef, useState, type ReactNode } from 'react'
import { looksLikePem, ROOT_CERT_TEXT_MAX } from '../../src-main/core/connection/root-cert-text.js'
import { FIELD_LABELS } from '../../src-main/core/diagnosis/field-labels.js'
import { Field } from './field.js'

const certificatesIn = (pem: string) => pem.split('-----BEGIN CERTIFICATE-----').length - 1
const looksLikeKey = (pem: string) => /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem)

/** What one PEM field takes: its form field, what its text must hold, and how it is described. */
interface PemKind {
  id: 'sslRootCert' | 'sslCert' | 'sslKey'
  /** What the file holds, in a sentence ("a root certificate"). */
  what: string
  accept: string
  looksRight: (text: string) => boolean
  /** Why a chosen file was refused, when it holds something else. */
  wrong: (file: string) => string
  hint: ReactNode
  /** Said under the field once a file was read. */
  read?: (text: string) => string
}

const DER = 'A binary (DER) file converts with: openssl x509 -inform der -in FILE -out FILE.pem'

export const PEM_KINDS: Record<PemKind['id'], PemKind> = {
  sslRootCert: {
    id: 'sslRootCert',
    what: 'a root certificate',
    accept: '.crt,.pem,.cer,.ca-bundle,.txt',
    looksRight: looksLikePem,
    wrong: (f) => `${f} holds no PEM certificate (-----BEGIN CERTIFICATE-----). ${DER}`,
    hint: (
      <>
        PEM text, pasted or read from a file; needed for verify-ca and verify-full. “system” uses this
        machine’s trust store.
      </>
    ),
    read: (t) => {
      const n = certificatesIn(t)
      return `${n} certificate${n === 1 ? '' : 's'}`
    },
  },
  sslCert: {
    id: 'sslCert',
    what: 'a client certificate',
    accept: '.crt,.pem,.cer,.txt',
    looksRight: looksLikePem,
    wrong: (f) => `${f} holds no PEM certificate (-----BEGIN CERTIFICATE-----). ${DER}`,
    hint: 'Only when the server asks for one (a “cert” line, or clientcert=verify-full, in pg_hba.conf).',
  },
  sslKey: {
    id: 'sslKey',
    what: 'a client key',
    accept: '.key,.pem,.txt',
    looksRight: looksLikeKey,
    wrong: (f) =>
      `${f} holds no PEM private key (-----BEGIN … PRIVATE KEY-----). A DER key converts with: openssl pkey -inform der -in FILE -out FILE.pem`,
    hint: 'The client certificate’s private key. Kept in memory only, and never exported.',
  },
}

/**
 * A certificate or key as PEM text: pasted, or read here from a file the admin picks in the file
 * dialog (in the desktop app that dialog belongs to the main process). Main never opens a path the
 * page names, so a path typed here is refused with a field error.
 */
export function PemField({
  kind,
  value,
  onChange,
  error,
}: {
  kind: PemKind
  value: string
  onChange: (value: string) => void
  error: string | undefined
}) {
  const picker = useRef<HTMLInputElement>(null)
  const [chosen, setChosen] = useState<{ name: string; error: string | null } | null>(null)

  const read = async (file: File) => {
    if (file.size > ROOT_CERT_TEXT_MAX)
      return setChosen({
        name: file.name,
        error: `${file.name} is ${file.size} bytes, more than ${kind.what} file can be (${ROOT_CERT_TEXT_MAX}).`,
      })
    const text = await file.text()
    if (!kind.looksRight(text)) return setChosen({ name: file.name, error: kind.wrong(file.name) })
    setChosen({ name: file.name, error: null })
    onChange(text.trim())
  }

  const summary = chosen && !chosen.error && kind.looksRight(value) ? (kind.read?.(value) ?? null) : null
  return (
    <Field
      id={kind.id}
      label={FIELD_LABELS[kind.id]}
      error={chosen?.error ?? error}
      hint={
        <>
          {kind.hint}
          {chosen && !chosen.error && (
            <>
              {' '}
              Read from {chosen.name}
              {summary ? `: ${summary}` : ''}.
            </>
          )}
        </>
      }
    >
      {(p) => (
        <div className="root-cert">
          <textarea
            {...p}
            rows={3}
            value={value}
            onChange={(e) => {
              setChosen(null)
              onChange(e.target.value)
            }}
            spellCheck={false}
          />
          <button type="button" className="button" onClick={() => picker.current?.click()}>
            Choose file…
          </button>
          <input
            ref={picker}
            type="file"
            accept={kind.accept}
            hidden
            aria-hidden="true"
            tabIndex={-1}
            data-testid={`${kind.id}-file`}
            onChange={(e) => {
              const file = e.target.files?.[0]
              e.target.value = ''
              if (file) void read(file)
            }}
          />
        </div>
      )}
    </Field>
  )
}

/** The root certificate field (sslrootcert). */
export const RootCertField = (props: Omit<Parameters<typeof PemField>[0], 'kind'>) => (
  <PemField kind={PEM_KINDS.sslRootCert} {...props} />
)
