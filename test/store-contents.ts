/**
 * Everything a harness's labgate has stored, as bytes to search for secrets that must never be kept in
 * the clear: the SQLite database file and its write-ahead log, or every row of every table on PostgreSQL.
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import pg from 'pg'
import type { Harness } from './harness.js'

export async function storeContents(h: Harness): Promise<Buffer> {
  if (!h.database) {
    const file = join(h.data, 'labgate.db')
    return Buffer.concat([file, `${file}-wal`].filter(existsSync).map((f) => readFileSync(f)))
  }
  const client = new pg.Client({ connectionString: h.database })
  await client.connect()
  try {
    const { rows: tables } = await client.query<{ name: string }>(
      "select table_name as name from information_schema.tables where table_schema = 'public'",
    )
    const parts: string[] = []
    for (const { name } of tables) {
      const { rows } = await client.query<{ row: string }>(`select t::text as row from "${name}" t`)
      parts.push(...rows.map((r) => r.row))
    }
    return Buffer.from(parts.join('\n'))
  } finally {
    await client.end()
  }
}
