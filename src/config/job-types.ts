import { existsSync } from 'node:fs'
import type { JobParameterDef, JobTypeDef } from './types.js'

/** The port jobs' web UIs listen on inside their sandbox (each job has its own loopback). */
export const JOB_PORT = 8888

/** True when JupyterLab is installed on this machine (jobs see the host's /usr). */
export function hasJupyterLab(): boolean {
  return ['/usr/bin/jupyter-lab', '/usr/local/bin/jupyter-lab'].some((p) => existsSync(p))
}

/**
 * The built-in job types. `jupyter_lab` runs JupyterLab where installed, else the classic notebook
 * (Debian's `python3-notebook`), with the job's token and under the gateway's base URL, so that
 * `connection_details` opens it through labgate (`lab?token=` or `tree?token=`). `local_test` serves the
 * workspace's files over HTTP with python3's `http.server` (GET and HEAD only: read-only).
 */
export function builtInJobTypes(jupyterLab = hasJupyterLab()): JobTypeDef[] {
  const common = `--no-browser --ip=127.0.0.1 --port="$LABGATE_JOB_PORT"`
  const jupyter = jupyterLab
    ? `exec jupyter-lab ${common} --ServerApp.base_url="$LABGATE_JOB_BASE_URL" --ServerApp.token="$LABGATE_JOB_TOKEN"`
    : `exec jupyter-notebook ${common} --NotebookApp.base_url="$LABGATE_JOB_BASE_URL" --NotebookApp.token="$LABGATE_JOB_TOKEN"`
  return [
    {
      id: 'jupyter_lab',
      name: 'Jupyter Lab',
      command: ['/bin/sh', '-c', jupyter],
      port: JOB_PORT,
      servesBaseUrl: true,
      readinessPath: 'api',
      urlPath: `${jupyterLab ? 'lab' : 'tree'}?token={token}`,
    },
    {
      id: 'local_test',
      name: 'Local test (serves the workspace read-only over HTTP)',
      command: [
        '/bin/sh',
        '-c',
        'exec python3 -m http.server "$LABGATE_JOB_PORT" --bind 127.0.0.1 --directory .',
      ],
      port: JOB_PORT,
      servesBaseUrl: false,
      readinessPath: '',
      urlPath: '',
    },
  ]
}

/**
 * The resource options of `GET /parameters/`: the HuBMAP server's example set, with the name its portal
 * sends for the time limit (`time_limit_minutes`).
 */
export const DEFAULT_JOB_PARAMETERS: JobParameterDef[] = [
  {
    display_name: 'Number of CPUs',
    description: 'CPUs the job may use.',
    variable_name: 'num_cpus',
    default_value: 1,
    validation: { type: 'int', min: 1, max: 4, required: false },
  },
  {
    display_name: 'Memory (MB)',
    description: 'Memory the job may use, in megabytes.',
    variable_name: 'memory_mb',
    default_value: 1024,
    validation: { type: 'int', min: 1024, max: 8192, required: false },
  },
  {
    display_name: 'Time limit (minutes)',
    description: 'The job is stopped when it has run this long.',
    variable_name: 'time_limit_minutes',
    default_value: 180,
    validation: { type: 'int', min: 1, max: 480, required: false },
  },
  {
    display_name: 'GPU enabled',
    description: 'Whether the job needs a GPU (none here: accepted and ignored).',
    variable_name: 'gpu_enabled',
    default_value: false,
    validation: { type: 'bool', required: false },
  },
]
