import type { DesktopApi } from './index.js'

/**
 * The contract's method names, without zod: the preload and the browser bridge build their API from
 * this list, and the contract's schemas must name exactly these (checked with `satisfies`).
 */
export const METHOD_NAMES = [
  'roleScript',
  'parseConnectionString',
  'runChecks',
  'cancel',
  'validateSql',
  'runQuery',
  'checkAllowedFunction',
  'auditRole',
  'exportConnector',
  'listConnectors',
  'deleteConnector',
  'restoreConnector',
  'saveDraft',
  'loadDraft',
  'setVaultConsent',
] as const
export type MethodName = (typeof METHOD_NAMES)[number]

/** One function per method over a transport (Electron's invoke, or HTTP). */
export function apiMethods(
  invoke: (method: MethodName, request: unknown) => Promise<unknown>,
): Omit<DesktopApi, 'onEvent'> {
  return Object.fromEntries(
    METHOD_NAMES.map((method) => [method, (request: unknown) => invoke(method, request)]),
  ) as Omit<DesktopApi, 'onEvent'>
}
