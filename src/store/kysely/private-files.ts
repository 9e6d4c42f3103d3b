import { chmodSync, closeSync, existsSync, openSync } from 'node:fs'

/** The files of a SQLite database in WAL mode: the database, its write-ahead log and its shared memory. */
export const sqliteFiles = (file: string): string[] => [file, `${file}-wal`, `${file}-shm`]

/**
 * Makes the database at `file` private to its owner (mode 0600) before SQLite opens it: creates it empty
 * with that mode when absent (SQLite then gives its `-wal` and `-shm` the database's mode), and chmods
 * the database and any `-wal`/`-shm` an older version left readable. The database holds the server key
 * and credential hashes. Synchronous; throws what the file system throws.
 */
export function makeDatabasePrivate(file: string): void {
  if (!existsSync(file)) closeSync(openSync(file, 'a', 0o600))
  for (const f of sqliteFiles(file)) if (existsSync(f)) chmodSync(f, 0o600)
}
