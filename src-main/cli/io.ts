/** What a command gets from the process: injected, so commands run the same in tests. */
export interface Io {
  argv: string[]
  env: NodeJS.ProcessEnv
  readonly stdin: NodeJS.ReadStream
  stdout: NodeJS.WriteStream
  stderr: NodeJS.WriteStream
}
