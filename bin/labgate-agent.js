#!/usr/bin/env node
// The labgate agent, which a Slurm job runs beside its sandbox: it imports only what it needs, so that a
// job's sandbox is up soon after the job starts.
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const entry = fileURLToPath(new URL('../dist/main/agent.js', import.meta.url))
if (!existsSync(entry)) {
  console.error('labgate is not built yet: run `npm ci` (or `npm run build`) in the labgate directory first.')
  process.exit(1)
}
const { main } = await import(entry)
process.exit(await main())
