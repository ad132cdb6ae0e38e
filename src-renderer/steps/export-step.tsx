import { useEffect, useState } from 'react'
import type { ConnectionForm, ExportResponse, RunChecksResponse } from '../../src-main/contract/index.js'
import { api } from '../bridge.js'
import { CodeBlock } from '../components/copy-button.js'
import { Checkbox, ErrorBanner, Field } from '../components/field.js'
import { printable } from '../../src-main/core/printable.js'

const STORED_TEXT: Record<ExportResponse['passwordStored'], string> = {
  'safe-storage': 'The password is stored encrypted by your operating system’s keyring.',
  keytar: 'The password is stored in your operating system’s keyring.',
  memory: 'The password is kept in memory only, until klairr-companion serve stops.',
  none: 'No password was stored.',
}

/** Offers the file to the browser (the desktop app saved it with a dialog already). */
function DownloadLink({ name, text }: { name: string; text: string }) {
  const [href, setHref] = useState<string | null>(null)
  useEffect(() => {
    const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }))
    setHref(url)
    return () => URL.revokeObjectURL(url)
  }, [text])
  return href ? (
    <a className="button primary" href={href} download={name}>
      Download {name}
    </a>
  ) : null
}

/** Step 5: review, acknowledge, approve the certificate, save. */
export function ExportStep({
  response,
  connection,
  allowFunctions,
  onExported,
}: {
  response: RunChecksResponse | null
  connection: ConnectionForm
  /** Recorded in the file and on the saved connector. */
  allowFunctions: string[]
  onExported: () => void
}) {
  const [name, setName] = useState('')
  const [approved, setApproved] = useState(false)
  const [acknowledged, setAcknowledged] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const [done, setDone] = useState<ExportResponse | null>(null)
  const report = response?.report
  const leaf = report?.tls?.chain[0]
  useEffect(() => {
    setApproved(false)
    setAcknowledged(false)
    setDone(null)
    setError(null)
  }, [response])
  if (!response || !report)
    return <div className="panel empty">Run the tests first: only a verified connection can be exported.</div>
  if (report.verdict === 'blocked' || report.cancelled)
    return (
      <div className="panel">
        <div className="verdict blocked" role="status">
          Export is not possible yet:{' '}
          {report.cancelled ? 'the last run was cancelled' : 'a test failed or did not run'}. Fix what the
          Test step shows, then re-run it.
        </div>
      </div>
    )
  const writable = connection.allowWritableRole
  const save = async () => {
    setError(null)
    if (!leaf) return
    const r = await api.exportConnector({
      runId: response.runId,
      name: name.trim() || `${connection.database}@${connection.host}`,
      acknowledgeWritableRole: acknowledged,
      approvedCertificateSha256: leaf.fingerprint256,
      allowFunctions,
    })
    if (!r.ok) return setError(r.error.message)
    setDone(r.value)
    onExported()
  }
  return (
    <div className="step-body two-columns">
      <form
        className="panel"
        aria-label="Export"
        onSubmit={(e) => {
          e.preventDefault()
          void save()
        }}
      >
        <div className={`verdict ${report.verdict}`} role="status">
          {report.verdict === 'ready'
            ? 'Verified: every test passed.'
            : 'Verified with warnings: read them in the Test step.'}
        </div>
        <dl className="review">
          <div>
            <dt>Connects to</dt>
            <dd>
              <code>
                {printable(
                  `${connection.username}@${connection.host}:${connection.port || 5432}/${connection.database}`,
                )}
              </code>
            </dd>
          </div>
          <div>
            <dt>Schema</dt>
            <dd>{printable(connection.schema)}</dd>
          </div>
          <div>
            <dt>SSL mode</dt>
            <dd>{connection.sslMode}</dd>
          </div>
          <div>
            <dt>Server</dt>
            {/* The server's own text: a bidirectional control there could reorder what the admin reads. */}
            <dd>{printable(report.server?.versionString ?? '')}</dd>
          </div>
          <div>
            <dt>TLS</dt>
            <dd>{report.tls?.protocol}</dd>
          </div>
          <div>
            <dt>Functions allowed by name</dt>
            <dd data-testid="allowed-functions">
              {allowFunctions.length ? (
                allowFunctions.map((f, i) => (
                  <span key={f}>
                    {i > 0 && ', '}
                    <code>{f}</code>
                  </span>
                ))
              ) : (
                <span className="muted">none (set them in the Explore step’s query sandbox)</span>
              )}
            </dd>
          </div>
        </dl>
        <Field
          id="connector-name"
          label="Connector name"
          hint="For your list of saved connectors and the file name."
        >
          {(p) => (
            <input
              {...p}
              value={name}
              placeholder={`${connection.database}@${connection.host}`}
              onChange={(e) => setName(e.target.value)}
            />
          )}
        </Field>
        {leaf && (
          <div className="fingerprint">
            <div>Server certificate SHA-256 fingerprint</div>
            <code data-testid="fingerprint">{leaf.fingerprint256}</code>
            <div className="muted small">
              Subject {leaf.subject} · valid until {leaf.validTo}
            </div>
            <Checkbox
              id="approve-cert"
              label="I compared this fingerprint with the server’s certificate, and approve it"
              checked={approved}
              onChange={setApproved}
            />
          </div>
        )}
        {writable && (
          <Checkbox
            id="ack-writable"
            label="I accept that this role may be able to change data"
            hint="“Allow writable role” is on. Your name and the time are recorded in the file."
            checked={acknowledged}
            onChange={setAcknowledged}
          />
        )}
        <ErrorBanner message={error} />
        <div className="actions">
          <button
            type="submit"
            className="button primary"
            disabled={!approved || (writable && !acknowledged)}
          >
            Save the connector config
          </button>
        </div>
      </form>
      <div className="panel">
        {done ? (
          <>
            <p className="banner success" role="status">
              {done.savedTo ? `Saved to ${done.savedTo}.` : `Ready: ${done.fileName}.`}{' '}
              {STORED_TEXT[done.passwordStored]}
            </p>
            {!done.savedTo && <DownloadLink name={done.fileName} text={done.document} />}
            <CodeBlock code={done.document} what="connector config" label={done.fileName} />
            <p className="muted">Upload this file in Klairr’s PostgreSQL connector. It holds no password.</p>
          </>
        ) : (
          <p className="empty">
            The file appears here once saved. It holds the settings and the proof, never the password.
          </p>
        )}
      </div>
    </div>
  )
}
