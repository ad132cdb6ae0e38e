import { portOf } from '../integration/helpers.js'
import { LAB_PASSWORD } from '../lab/seed.js'
import type { AppPage } from './app-page.js'

/** Fills the Connection step for the lab's PostgreSQL 18 as the guide's role, on a private network. */
export async function fillLabConnection(app: AppPage, database: string): Promise<void> {
  await app.fillConnection({
    host: '127.0.0.1',
    port: String(portOf(18)),
    database,
    username: 'klairr_reader',
    password: LAB_PASSWORD,
  })
  await app.page.getByLabel('Host is on a private network').check()
}
