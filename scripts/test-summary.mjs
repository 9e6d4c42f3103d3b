// The plain summary line CI reads ("N passed, N failed"), from vitest's JSON reports of both passes
// (SQLite, and PostgreSQL when LABGATE_TEST_PG_URL is set). Each failed test is named just before it,
// so that a log kept only by its tail still says what failed. Usage: node scripts/test-summary.mjs <status>
// where <status> is the exit status of the steps before vitest (non-zero counts as one failure).
import { readFileSync } from 'node:fs'

const passes = [
  { file: '.vitest-results.json', name: 'sqlite', needed: true },
  {
    file: '.vitest-results-postgres.json',
    name: 'postgres',
    needed: Boolean(process.env.LABGATE_TEST_PG_URL),
  },
]
let passed = 0
let failed = 0
for (const pass of passes) {
  let report
  try {
    report = JSON.parse(readFileSync(pass.file, 'utf8'))
  } catch {
    if (pass.needed) {
      console.log(`FAILED (${pass.name}) no report in ${pass.file}`)
      failed += 1
    }
    continue
  }
  passed += report.numPassedTests
  failed += report.numFailedTests
  for (const suite of report.testResults || []) {
    const where = suite.name.replace(`${process.cwd()}/`, '')
    const tests = (suite.assertionResults || []).filter((t) => t.status === 'failed')
    for (const t of tests) console.log(`FAILED (${pass.name}) ${where} > ${t.fullName}`)
    // A file that failed without a failed test (a hook, an import) counts once.
    if (suite.status === 'failed' && tests.length === 0) {
      console.log(`FAILED (${pass.name}) ${where}: ${(suite.message || '').split('\n')[0]}`)
      failed += 1
    }
  }
}
if (process.argv[2] !== '0' && failed === 0) failed = 1
console.log(`${passed} passed, ${failed} failed`)
