declare module 'pgpass' {
  interface PgpassConnInfo {
    host?: string
    port?: number | string
    database?: string
    user?: string
  }
  function pgpass(connInfo: PgpassConnInfo, cb: (password: string | undefined) => void): void
  export default pgpass
}
