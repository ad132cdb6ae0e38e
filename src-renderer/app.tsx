/** The shell the five steps (Role, Connection, Test, Explore, Export) will fill in. */
export function App() {
  return (
    <main>
      <h1>Klairr Companion</h1>
      <p>
        Connect a PostgreSQL database to Klairr with a read-only role and TLS. Until the desktop flow lands,
        use the CLI: <code>klairr-companion check --help</code>.
      </p>
    </main>
  )
}
