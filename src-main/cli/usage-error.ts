/** Bad input on the command line: one line on stderr, exit 2, nothing run. */
export class UsageError extends Error {
  override readonly name = 'UsageError'
}
