import type { CheckReport } from '../checks/types.js'
import type { ConnectionSettings } from '../connection/settings.js'
import { redactDeep, redactText, secretsOf } from '../redact.js'
import { reportJson } from './report-json.js'
import { reportMarkdown, type ReportMeta } from './report-markdown.js'

/** One run as the two files an admin shares: Markdown to read, JSON for tools, and a name for them. */
export interface ShareableReport {
  markdown: string
  json: string
  /** `klairr-report-<host>-<database>-<time>`, letters, digits, `.`, `_` and `-` only; add `.md` or `.json`. */
  baseName: string
}

/** A file name's part from a name the admin typed: anything unusual becomes `_`. */
const safe = (text: string) => text.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 60) || '_'

/**
 * The Markdown and the JSON of one run, both swept with the run's secrets (its password and its key's
 * passphrase): the settings reach the renderer without the password, and the sweep catches what a
 * server's message could echo back. The report is swept before it becomes Markdown, whose escapes
 * (`!` → `\!`) would otherwise hide a password from the sweep, and the text once more after.
 */
export function shareableReport(
  report: CheckReport,
  settings: ConnectionSettings,
  meta: ReportMeta,
): ShareableReport {
  const { password: _password, sslPassword: _sslPassword, ...shown } = settings
  const secrets = secretsOf(settings)
  const stamp = meta.at.replace(/\.\d+Z$/, 'Z').replace(/[:]/g, '')
  return {
    markdown: redactText(reportMarkdown(redactDeep(report, secrets), shown, meta), secrets),
    json: redactText(reportJson(report), secrets) + '\n',
    baseName: `klairr-report-${safe(settings.host)}-${safe(settings.database)}-${safe(stamp)}`,
  }
}
