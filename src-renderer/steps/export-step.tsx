import { useEffect, useState, type ReactNode } from 'react'
import type { ConnectionForm, ExportResponse, RunChecksResponse } from '../../src-main/contract/index.js'
import { api } from '../bridge.js'
import { CodeBlock, CopyButton } from '../components/copy-button.js'
import { DownloadLink } from '../components/download-link.js'
import { Checkbox, ErrorBanner, Field } from '../components/field.js'
import { printable } from '../../src-main/core/printable.js'
import type { ShellDialect } from '../../src-main/core/diagnosis/shell-command.js'
import { fingerprintCommand } from '../../src-main/core/diagnosis/advice-parts.js'
import type { StepId } from '../state.js'

/** The shell a copied command meets: PowerShell on Windows, a POSIX shell elsewhere. */
const dialect = (): ShellDialect => (/win/i.test(navigator.platform) ? 'powershell' : 'posix')

const STORED_TEXT: Record<ExportResponse['passwordStored'], string> = {
  'safe-storage': 'The password is stored encrypted by your operating system’s keyring.',
  keytar: 'The password is stored in your operating system’s keyring.',
  memory: 'The password is kept in memory only, until klairr-companion serve stops.',
  none: 'No password was stored.',
}

/** Step 5: review, acknowledge, approve the certificate, save. */
export function ExportStep({
  response,
  connection,
  allowFunctions,
  onExported,
  onBack,
}: {
  response: RunChecksResponse | null
  connection: ConnectionForm
  /** Recorded in the file and on the saved connector. */
  allowFunctions: string[]
  onExported: () => void
  onBack: (step: StepId) => void
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
  /** Why there is nothing to export yet, with the way back to the Test step. */
  const notYet = (why: ReactNode) => (
    <div className="panel">
      {why}
      <div className="actions">
        <button type="button" className="button" onClick={() => onBack('test')}>
          Back to Test
        </button>
      </div>
    </div>
  )
  if (!response || !report)
    return notYet(<p className="empty">Run the tests first: only a verified connection can be exported.</p>)
  if (report.verdict === 'blocked' || report.cancelled)
    return notYet(
      <div className="verdict blocked" role="status">
        Export is not possible yet:{' '}
        {report.cancelled ? 'the last run was cancelled' : 'a test failed or did not run'}. Fix what the Test
        step shows, then re-run it.
      </div>,
    )
  const writable = connection.allowWritableRole
  const missing = [
    !leaf && 'the run recorded no server certificate to approve: re-run the tests with TLS',
    leaf && !approved && 'approve the server certificate’s fingerprint above',
    writable && !acknowledged && 'accept that this role may be able to change data',
  ].filter((m): m is string => Boolean(m))
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
            <div className="command">
              <div className="command-label">
                Compare it with what the server presents (run this where the database is reachable):
              </div>
              <div className="command-row">
                <code data-testid="fingerprint-command">
                  {fingerprintCommand(
                    { host: connection.host, port: Number(connection.port) || 5432 },
                    dialect(),
                  )}
                </code>
                <CopyButton
                  text={fingerprintCommand(
                    { host: connection.host, port: Number(connection.port) || 5432 },
                    dialect(),
                  )}
                  what="fingerprint command"
                />
              </div>
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
          {missing.length > 0 && (
            <p className="muted small save-reason" id="save-reason">
              To save: {missing.join('; ')}.
            </p>
          )}
          <button
            type="submit"
            className="button primary"
            disabled={missing.length > 0}
            aria-describedby={missing.length ? 'save-reason' : undefined}
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
            <p>
              <strong>Next:</strong> upload this file in Klairr’s PostgreSQL connector, and enter the password
              there. The file holds no password.
            </p>
            {!done.savedTo && (
              <DownloadLink
                name={done.fileName}
                text={done.document}
                type="application/json"
                className="button primary"
              >
                Download {done.fileName}
              </DownloadLink>
            )}
            <CodeBlock code={done.document} what="connector config" label={done.fileName} />
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
