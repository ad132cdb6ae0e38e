import { useRef, useState } from 'react'
import { looksLikePem, ROOT_CERT_TEXT_MAX } from '../../src-main/core/connection/root-cert-text.js'
import { Field } from './field.js'

const certificatesIn = (pem: string) => pem.split('-----BEGIN CERTIFICATE-----').length - 1

/**
 * The root certificate as PEM text: pasted, or read here from a file the admin picks in the file
 * dialog (in the desktop app that dialog belongs to the main process). Main never opens a path the
 * page names, so a path typed here is refused with a field error.
 */
export function RootCertField({
  value,
  onChange,
  error,
}: {
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
        error: `${file.name} is ${file.size} bytes, more than a root certificate file can be (${ROOT_CERT_TEXT_MAX}).`,
      })
    const text = await file.text()
    if (!looksLikePem(text))
      return setChosen({
        name: file.name,
        error: `${file.name} holds no PEM certificate (-----BEGIN CERTIFICATE-----). A binary (DER) file converts with: openssl x509 -inform der -in FILE -out FILE.pem`,
      })
    setChosen({ name: file.name, error: null })
    onChange(text.trim())
  }

  const count = looksLikePem(value) ? certificatesIn(value) : 0
  return (
    <Field
      id="sslRootCert"
      label="Root certificate"
      error={chosen?.error ?? error}
      hint={
        <>
          PEM text, pasted or read from a file; needed for verify-ca and verify-full. “system” uses this
          machine’s trust store.
          {chosen && !chosen.error && count > 0 && (
            <>
              {' '}
              Read from {chosen.name}: {count} certificate{count === 1 ? '' : 's'}.
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
            accept=".crt,.pem,.cer,.ca-bundle,.txt"
            hidden
            aria-hidden="true"
            tabIndex={-1}
            data-testid="sslRootCert-file"
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
