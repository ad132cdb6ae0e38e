import type { RunChecksResponse } from '../../src-main/contract/index.js'
import { CopyButton } from './copy-button.js'
import { DownloadLink } from './download-link.js'

/**
 * "Copy report" and "Download report" for a finished run, passed or not: the Markdown main rendered for
 * this run (the CLI's `check --report` renders the same), and its JSON. No secret is in either.
 */
export function ReportActions({
  response,
  running,
}: {
  response: RunChecksResponse | null
  running: boolean
}) {
  // A run kept from before this build (a draft) may have no report: then there is nothing to offer.
  const share = response?.share
  if (running || !share) return null
  return (
    <div className="report-actions" role="group" aria-label="Share this run">
      <span className="muted small">Share this run, with no password in it:</span>
      <CopyButton text={share.markdown} label="Copy report" what="Report" name="Copy report as Markdown" />
      <DownloadLink
        name={`${share.baseName}.md`}
        text={share.markdown}
        type="text/markdown"
        className="button small"
      >
        Download report (.md)
      </DownloadLink>
      <DownloadLink
        name={`${share.baseName}.json`}
        text={share.json}
        type="application/json"
        className="button small"
      >
        Download JSON
      </DownloadLink>
    </div>
  )
}
