import { GREETER, runBackendSuite } from '../../../test/conformance/backend.suite.js'
import { RUN_SLURM, slurmFixture, type SlurmFixture } from '../../../test/slurm/slurm-fixture.js'

runBackendSuite<SlurmFixture>({
  name: 'slurm (the one-node cluster of scripts/slurm-cluster.sh)',
  skip: !RUN_SLURM,
  concurrency: 8,
  make: () => slurmFixture(),
  remake: (f) => f.restart(),
  serve: async ({ backend }, handle, port) => {
    // a pty's process keeps running until the sandbox stops
    backend.exec(handle, {
      argv: ['python3', '-c', GREETER, String(port)],
      env: {},
      pty: { cols: 80, rows: 24 },
    })
  },
})
