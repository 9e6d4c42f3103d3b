/**
 * The portal the benchmark serves: a TrainingPortal and its Workshops as YAML, in the same shape as
 * `writePortal` in test/harness.ts (kept separate so the bench process never loads labgate's own code).
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

export interface BenchWorkshop {
  name: string
  capacity: number
  reserved: number
  initial?: number
  expires?: string
  /** Its sessions run as Slurm batch jobs (`spec.labgate.backend: slurm`; the portal needs `slurmSocket`). */
  slurm?: boolean
}

export interface BenchRobot {
  username: string
  password: string
  clientId: string
  clientSecret: string
}

/** What the portal offers besides its workshops. */
export interface BenchPortalOptions {
  /** Turn the workspaces API on (`spec.labgate.workspaces: {}`, every setting its default). */
  workspaces?: boolean
  /** `spec.labgate.lms`: the LMS registrations that may launch labs, written as given. */
  lms?: Record<string, unknown>[]
  /** `spec.portal.credentials.admin`: a staff user the figure signs in as. */
  admin?: { username: string; password: string }
  /** `spec.labgate.slurm.socket`: slurmrestd's socket, for workshops whose sessions run on Slurm. */
  slurmSocket?: string
}

/**
 * `count` workshops of one environment each, none with reserves (so a portal of them starts no sandbox):
 * the portals whose catalog the scaling figure times.
 */
export function catalogWorkshops(count: number): BenchWorkshop[] {
  return Array.from({ length: count }, (_, i) => ({
    name: `cat-${String(i + 1).padStart(3, '0')}`,
    capacity: 10,
    reserved: 0,
    initial: 0,
    expires: '1h',
  }))
}

/** Writes `portal.yaml` and one `<workshop>.yaml` per workshop into `dir` (created); returns `dir`. */
export function writeBenchPortal(
  dir: string,
  workshops: BenchWorkshop[],
  robot: BenchRobot,
  options: BenchPortalOptions = {},
): string {
  mkdirSync(dir, { recursive: true })
  const q = (v: unknown) => JSON.stringify(v)
  const lines = [
    'apiVersion: training.educates.dev/v1beta1',
    'kind: TrainingPortal',
    'metadata:',
    '  name: bench',
    'spec:',
    '  portal:',
    '    sessions:',
    '      maximum: 0',
    '      registered: 0',
    '      anonymous: 0',
    '    credentials:',
    '      robot:',
    `        username: ${q(robot.username)}`,
    `        password: ${q(robot.password)}`,
    ...(options.admin
      ? [
          '      admin:',
          `        username: ${q(options.admin.username)}`,
          `        password: ${q(options.admin.password)}`,
        ]
      : []),
    '    clients:',
    '      robot:',
    `        id: ${q(robot.clientId)}`,
    `        secret: ${q(robot.clientSecret)}`,
    '  labgate:',
    `    backend: ${process.env.LABGATE_BENCH_BACKEND ?? 'local'}`,
    // LABGATE_BENCH_DISK sets each home's size (`0`: plain directories), to measure what home images cost.
    ...(process.env.LABGATE_BENCH_DISK ? [`    sandbox: {disk: ${q(process.env.LABGATE_BENCH_DISK)}}`] : []),
    ...(options.workspaces ? ['    workspaces: {}'] : []),
    ...(options.slurmSocket ? [`    slurm: {socket: ${q(options.slurmSocket)}}`] : []),
    // JSON is YAML: one line, whatever the registrations hold.
    ...(options.lms?.length ? [`    lms: ${q(options.lms)}`] : []),
    '  workshops:',
  ]
  for (const w of workshops) {
    lines.push(`  - name: ${w.name}`, `    capacity: ${w.capacity}`, `    reserved: ${w.reserved}`)
    if (w.initial !== undefined) lines.push(`    initial: ${w.initial}`)
    if (w.expires !== undefined) lines.push(`    expires: ${q(w.expires)}`)
  }
  writeFileSync(join(dir, 'portal.yaml'), lines.join('\n') + '\n')
  for (const w of workshops) {
    const wl = [
      'apiVersion: training.educates.dev/v1beta1',
      'kind: Workshop',
      'metadata:',
      `  name: ${w.name}`,
      'spec:',
      `  title: Benchmark workshop ${w.name}`,
      '  description: A workshop the benchmark requests sessions of',
      ...(w.slurm ? ['  labgate:', '    backend: slurm'] : []),
    ]
    writeFileSync(join(dir, `${w.name}.yaml`), wl.join('\n') + '\n')
  }
  return dir
}
