export { SlurmBackend, type SlurmBackendOptions } from './slurm-backend.js'
export { connectSlurm, type SlurmConnectOptions } from './slurmrestd-client.js'
export type { SlurmApi, SlurmJob } from './slurm-api.js'
export { timeLeft, workspaceJobStatus } from './job-states.js'
