#!/usr/bin/env node
// Entry point for `npx labgate`: runs the compiled CLI (built by `npm ci` through the prepare script).
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const main = fileURLToPath(new URL('../dist/main/cli/main.js', import.meta.url))
if (!existsSync(main)) {
  console.error('labgate is not built yet: run `npm ci` (or `npm run build`) in the labgate directory first.')
  process.exit(1)
}
const { run } = await import(main)
process.exitCode = await run(process.argv.slice(2))
