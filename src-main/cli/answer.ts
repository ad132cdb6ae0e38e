import type { CheckWithAdvice } from '../contract/index.js'
import type { ConnectionSettings } from '../core/connection/settings.js'
import { redactText, secretsOf } from '../core/redact.js'
import type { Io } from './io.js'

/**
 * A use case's answer on stdout: as JSON, exactly what the app gets, or as text for a terminal; either
 * way through the redaction sweep with the run's secrets.
 */
export function printAnswer<R>(
  io: Io,
  settings: ConnectionSettings,
  json: boolean,
  response: R,
  text: (response: R) => string,
): void {
  io.stdout.write(
    redactText(json ? JSON.stringify(response, null, 2) + '\n' : text(response), secretsOf(settings)),
  )
}

/** A use case's `connect` stage as text: why it could not connect, and what that means. */
export function connectFailureLine(check: CheckWithAdvice): string {
  if (check.reason === 'cancelled') return 'Cancelled.\n'
  return `Could not connect (${check.id}: ${check.reason}): ${check.summary}\n${check.advice ? `${check.advice.meaning}\n` : ''}Run "klairr-companion check" for the full diagnosis.\n`
}

/** The exit status of a use case that stopped at `connect`: 130 when cancelled, else 1. */
export const connectExit = (check: CheckWithAdvice) => (check.reason === 'cancelled' ? 130 : 1)
