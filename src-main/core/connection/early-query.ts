import type pg from 'pg'

/** node-postgres' Connection methods that write the client's last authentication message. */
interface AuthWriter {
  query(text: string): void
  sendSCRAMClientFinalMessage(data: string): void
  password(password: string): void
}

/**
 * Sends `text` as a simple Query in the same flight as the client's last authentication message (SCRAM's
 * final SASLResponse, or the password message of password and md5 authentication): the server reads it
 * right after AuthenticationOk, so the first batch costs no round trip of its own. With any other login
 * (trust, a client certificate) nothing is written early and node-postgres sends it after ReadyForQuery
 * as usual. Call before `client.connect()`: the query waits in node-postgres' queue, which hands it the
 * answers after the startup's ReadyForQuery, and never writes it twice.
 *
 * If the login fails the server never reads it, and the returned promise rejects with the connection's
 * error (it is caught here so that nothing goes unhandled: the login's own error is what the caller
 * reports). The text is the checks' catalog SQL: it carries no secret.
 */
export function queueWithLogin(client: pg.Client, text: string): Promise<pg.QueryResult | pg.QueryResult[]> {
  const connection = (client as unknown as { connection: AuthWriter }).connection
  let sent = false
  const sendAfter = <A extends unknown[]>(write: (...args: A) => void) =>
    function (this: AuthWriter, ...args: A): void {
      write.apply(this, args)
      if (sent) return
      sent = true
      this.query(text)
    }
  connection.sendSCRAMClientFinalMessage = sendAfter(connection.sendSCRAMClientFinalMessage)
  connection.password = sendAfter(connection.password)
  // The client's own Query class (Client.Query), already loaded with it.
  const QueryClass = (client.constructor as unknown as { Query: typeof pg.Query }).Query
  const query = new QueryClass(text)
  const submit = query.submit.bind(query)
  query.submit = (con) => (sent ? undefined : submit(con))
  const result = new Promise<pg.QueryResult | pg.QueryResult[]>((resolve, reject) => {
    Object.assign(query, {
      callback: (err: Error | null, res: pg.QueryResult | pg.QueryResult[]) =>
        err ? reject(err) : resolve(res),
    })
  })
  result.catch(() => undefined)
  client.query(query)
  return result
}
