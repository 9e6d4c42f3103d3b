/**
 * The resolved definitions labgate runs from, produced by the loader (`load-config.ts`) out of Educates
 * TrainingPortal and Workshop YAML. Every default and clamp of `compat-educates.md` is already applied:
 * consumers never look at raw YAML. Durations are whole seconds; 0 means "never"/"unlimited" as noted.
 */
import type { CourseGrant, LabGrant } from '../domain/lms-permissions.js'
import type { RequestParameterDef } from '../domain/parameters.js'

/** A Workshop resource. */
export interface WorkshopDefinition {
  name: string
  title: string
  description: string
  vendor: string
  authors: string[]
  difficulty: string
  /** `spec.duration` in seconds, 0 when not given. */
  duration: number
  tags: string[]
  labels: Record<string, string>
  logo: string
  url: string
  /** `spec.session.env` of the workshop, in order. */
  env: { name: string; value: string }[]
  requestParameters: RequestParameterDef[]
  /** Directory that holds the workshop's file (and its content, for the dashboard). */
  directory: string
  /** The file the definition came from, for error messages. */
  sourceFile: string
  /**
   * `spec.session.ingresses`: web apps the session serves on ports inside its sandbox, reached through the
   * gateway at `<session-url>apps/<name>/`. Names are DNS labels, unique; ports 1–65535.
   */
  ingresses: IngressDef[]
  /**
   * `spec.labgate.workspace`: a registered user's session mounts their default workspace (created on first
   * use) at `~/workspace`, so a lab's work outlives the lab. Such a workshop keeps no reserve sessions: a
   * sandbox starts once its user is known. Needs the portal's `spec.labgate.workspaces`.
   */
  workspace: boolean
  /**
   * `spec.workshop.image`: the session's container image, for a backend that runs images (Kubernetes);
   * absent: that backend's default. The local backend runs no images and ignores it.
   */
  image?: string
  /** `spec.labgate.backend: slurm` (with `spec.labgate.slurm`): its sessions run as Slurm jobs. */
  placement?: SlurmPlacement
  /**
   * A laboratory of a remote lab system instead of sandbox content: the workshop labgate makes for each
   * laboratory that LMS labs name (`lms[].labs[].remote`), whose sessions are reservations on the system.
   */
  remote?: RemoteLabRef
}

/** A web app a workshop serves inside each session's sandbox (`spec.session.ingresses[]`). */
export interface IngressDef {
  name: string
  port: number
}

/** One `spec.workshops[]` entry of a portal, joined with its Workshop. It becomes an environment. */
export interface PortalWorkshop {
  workshop: WorkshopDefinition
  /** `alias`: the name the catalog shows instead of the workshop's own, if set. */
  alias?: string
  /** Max sessions at once in the environment (allocated + reserved + starting). 0 = unlimited. */
  capacity: number
  /** Reserve sessions kept WAITING, clamped to [0, capacity]. */
  reserved: number
  /** Sessions created when the environment starts (defaults to `reserved`), clamped to [0, capacity]. */
  initial: number
  /** Session lifetime after activation; 0 = never expires. */
  expires: number
  /** Extension step when set (0 = use the threshold). */
  overtime: number
  /** Hard limit on total lifetime from `started`; defaults to `expires`. 0 = none (only with expires 0). */
  deadline: number
  /** Idle time after which the session is stopped; 0 = never. */
  orphaned: number
  /** Time a session may stay starting before it is failed; 0 = never. */
  overdue: number
  labels: Record<string, string>
  /** Portal-level `env` entries for this workshop, appended after the workshop's own. */
  env: { name: string; value: string }[]
  /** Hash of everything above; a change replaces the environment. */
  definitionHash: string
}

/** Storage and identity of each sandbox (`spec.labgate.sandbox.disk`, `tmp`, `uids`). */
export interface SandboxStorageSettings {
  /** Size of each session's home, bytes; 0 = no limit (the home is a directory on the data filesystem). */
  diskLimit: number
  /** Size of each sandbox's /tmp (which /dev/shm shares), bytes; 0 = the kernel's default (half the RAM). */
  tmpSize: number
  /** Host uids reserved for sandboxes, one per session (when labgate runs as root). */
  uidRange: { first: number; count: number }
}

/**
 * Where a workshop's sessions or a job type's jobs run when not on the portal's backend: a batch job on the
 * portal's Slurm cluster (`spec.labgate.backend: slurm` and `spec.labgate.slurm` of a workshop, `backend:
 * slurm` and `slurm` of a job type). Absent fields: the portal's `spec.labgate.slurm` defaults, else the
 * cluster's.
 */
export interface SlurmPlacement {
  backend: 'slurm'
  partition?: string
  account?: string
  /** The job's time limit, minutes: the sandbox ends when it is reached. */
  timeLimitMinutes?: number
  cpusPerTask?: number
  /** Memory for the job on its node, megabytes. */
  memoryPerNodeMb?: number
}

/** `spec.labgate.slurm`: the cluster of the `slurm` backend, and its defaults. */
export interface SlurmSettings {
  /** slurmrestd's unix socket (local auth: labgate's own uid). One of `socket` and `url`. */
  socket?: string
  /** slurmrestd's HTTP URL (JWT auth: `user` and the token in the variable `tokenEnv`). */
  url?: string
  /** The Slurm user jobs are submitted as, over HTTP (default: the one the JWT names, its `sun`). */
  user?: string
  /** The environment variable that holds the JWT for `url` (never the file): default `SLURM_JWT`. */
  tokenEnv: string
  /** Defaults of every job: partition, account, time limit, CPUs and memory. */
  defaults: Omit<SlurmPlacement, 'backend'>
  /** A directory every compute node shares with labgate: jobs' working directory (default `<data>/slurm`). */
  workDir?: string
  /**
   * Where agents on the compute nodes reach labgate (default: `ws://<the address labgate listens on, or
   * 127.0.0.1 for a wildcard>:<port>/_labgate/agent/v1`).
   */
  agentUrl?: string
  /** How long a start waits for its job to run and its agent to connect, seconds (default 300). */
  startTimeout: number
}

/** `spec.labgate.kubernetes`: where and how the `kubernetes` backend runs sessions. */
export interface KubernetesSettings {
  /** The namespace of every session's objects. */
  namespace: string
  /** A kubeconfig file; absent: `$KUBECONFIG`, `~/.kube/config`, else in-cluster. */
  kubeconfig?: string
  /** Use the service account of the Pod labgate runs in. */
  inCluster: boolean
  /** The image of a workshop that names none. */
  image: string
  /** The storage class of session home claims (absent: the cluster's default). */
  storageClass?: string
  /** The size of session home claims, bytes (absent: 1Gi). */
  homeSize?: number
  /** What sessions on the host network may not reach (absent: the private and link-local ranges). */
  blockedCidrs?: string[]
  /** How labgate reaches a session's ports: dialing the Pod's IP (absent) or through port-forward. */
  connect?: 'podIP' | 'portForward'
}

/** labgate's own settings, read from `spec.labgate` of the TrainingPortal (ignored by Educates). */
export interface LabgateSettings extends SandboxStorageSettings {
  /** Backend for sessions: `local` (bubblewrap, default), `kubernetes` (Pods) or `fake` (testing only). */
  backend: 'local' | 'fake' | 'kubernetes' | 'slurm'
  /** `spec.labgate.kubernetes`: the cluster of the `kubernetes` backend (present with that backend). */
  kubernetes?: KubernetesSettings
  /** `spec.labgate.slurm`: the Slurm cluster (present with the `slurm` backend, or when given). */
  slurm?: SlurmSettings
  /** Origins (`https://hub.example`) that `index_url` may point to. Empty = any http(s) URL. */
  allowedIndexOrigins: string[]
  /** Sandbox network policy. */
  network: 'none' | 'host'
  /** Per-sandbox limits (bytes, count, CPUs); 0 = unlimited. */
  memoryLimit: number
  pidsLimit: number
  cpuLimit: number
  /** How long STOPPED session rows are kept before they are purged, seconds. */
  retention: number
  /** `events.retention`: how long rows of the events table are kept, seconds (absent: 90 days). */
  eventRetention?: number
  /**
   * `gateway.domain`: a wildcard DNS domain; sessions are then served at `<session>.<domain>`. Absent:
   * path routing at `/sessions/<session>/`.
   */
  sessionDomain?: string
  /** `spec.labgate.workspaces`: persistent workspaces and jobs; absent = the workspaces API is off. */
  workspaces?: WorkspaceSettings
  /** `spec.labgate.lms`: the LMSs that may launch labs, in order; `[]` = none (no LMS launches). */
  lms: LmsRegistration[]
  /** `spec.labgate.remoteLabs`: external lab systems that `lms[].labs[].remote` names, in order. */
  remoteLabs: RemoteLabSystem[]
}

/**
 * An LMS registered with labgate (`spec.labgate.lms[]`): how it launches (at least one of `lti13`, `lti11`,
 * `basicHttp`) and which labs it may launch. Secrets are as written in the YAML.
 */
export interface LmsRegistration {
  /** A DNS label, unique among the portal's LMSs: users are `<name>:<id>`, audits and URLs name it. */
  name: string
  /** LTI 1.3: the platform's registration. Its (`issuer`, `clientId`) pair is unique among the LMSs. */
  lti13?: Lti13Registration
  /** LTI 1.1: the consumer key (unique among the LMSs) and shared secret of its signed launches. */
  lti11?: Lti11Credentials
  /** gateway4labs' basic-HTTP protocol: the LMS's HTTP Basic login to labgate (username unique among the LMSs). */
  basicHttp?: BasicHttpCredentials
  /** What this LMS may launch; ids are unique within the LMS. `[]`: nothing. */
  labs: LmsLab[]
  /** `timeZone`: the IANA time zone its labs' and courses' `windows` are read in; `UTC` when not given. */
  timeZone: string
}

/** `lms[].lti13`: an LTI 1.3 platform as the tool sees it (IMS LTI Core 1.3, Security Framework). */
export interface Lti13Registration {
  /** The platform's `iss`, exactly as it signs it (compared as a string). An https URL (http for localhost). */
  issuer: string
  /** The tool's client id at the platform: the id_token's `aud`. */
  clientId: string
  /** The `deployment_id`s accepted from this platform; at least one. */
  deploymentIds: string[]
  /** The platform's OIDC authorization endpoint (where login initiation redirects). */
  authUrl: string
  /** The platform's OAuth 2 token endpoint (service tokens for AGS and NRPS). */
  tokenUrl: string
  /** The platform's JWKS (keys that sign its id_tokens). */
  jwksUrl: string
}

/** `lms[].lti11`: OAuth 1.0a HMAC-SHA1 credentials of LTI 1.1 launches. */
export interface Lti11Credentials {
  key: string
  secret: string
}

/** `lms[].basicHttp`: gateway4labs' basic-HTTP LMS protocol. */
export interface BasicHttpCredentials {
  /** The login the LMS sends to `POST /labmanager/requests/`. */
  username: string
  password: string
  /** The LMS's course list (gateway4labs' course discovery), an http(s) URL; absent: no discovery. */
  coursesUrl?: string
  /** The HTTP Basic login labgate sends to `coursesUrl` (gateway4labs' `labmanager_login`); set with it. */
  coursesUsername?: string
  /** Its password (gateway4labs' `labmanager_password`); set with `coursesUrl`. */
  coursesPassword?: string
}

/**
 * `labs[].courses[]` of an LMS: a course allowed to launch the lab; `timeAllowed` seconds, 0 = no limit;
 * `priority` (0–1000) and `windows` only when written.
 */
export type LmsCourse = CourseGrant

/**
 * `lms[].labs[]`: a lab an LMS may launch, by its `id` (the LMS's local identifier), pointing at exactly
 * one of a `workshop` of this portal or a lab of a `remote` system. `timeAllowed` (seconds, 0 = no limit)
 * caps the session; `courses`, when present (never empty), are the only courses that may launch it;
 * `windows`, when written, are when it may be launched (see `decideLabLaunch`).
 */
export type LmsLab = LabGrant & { courses?: LmsCourse[] } & (
    | {
        /** A workshop of this portal: the `alias`, or else the `name`, of one of `spec.workshops[]`. */
        workshop: string
        remote?: never
      }
    | {
        workshop?: never
        /** A laboratory of a remote lab system declared in `spec.labgate.remoteLabs`. */
        remote: RemoteLabRef
      }
  )

/** `labs[].remote`: a laboratory of a remote lab system. */
export interface RemoteLabRef {
  /** The `name` of one of `spec.labgate.remoteLabs[]`. */
  system: string
  /** The system's `laboratory_id`. */
  laboratory: string
}

/**
 * `spec.labgate.remoteLabs[]`: an external lab system speaking gateway4labs' HTTP plug-in protocol
 * (`capabilities`, `test_plugin`, `labs`, `reserve` under `baseUrl`, with HTTP Basic and `?context_id=`).
 */
export interface RemoteLabSystem {
  /** A DNS label, unique among the remote lab systems. */
  name: string
  /** The plug-in's base URL, http(s), as written. */
  baseUrl: string
  username: string
  password: string
  /** Sent as `?context_id=` on every call when given. */
  contextId?: string
}

/** A job type (`spec.labgate.workspaces.jobTypes[]`, plus the built-in `jupyter_lab` and `local_test`). */
export interface JobTypeDef {
  /** The id clients send as `job_type` (`[a-z0-9_]+`). */
  id: string
  /** Shown to people. */
  name: string
  /**
   * The program, run in the workspace (the home) with `LABGATE_JOB_PORT`, `LABGATE_JOB_BASE_URL` (the
   * path the gateway serves the job's web UI at, ending in `/`), `LABGATE_JOB_TOKEN` and `LABGATE_JOB_ID`
   * set. Its output goes to `.jobs/<id>/output.log` in the workspace.
   */
  command: string[]
  /** The TCP port inside the sandbox its web UI listens on; null for a job without a web UI (a batch script). */
  port: number | null
  /** True when the program serves under `LABGATE_JOB_BASE_URL` itself; false: the gateway strips that prefix. */
  servesBaseUrl: boolean
  /** Path (under the web UI's base) that answers once it is ready, e.g. `api/status`; '' = the base itself. */
  readinessPath: string
  /**
   * `url_path` of `connection_details`, relative to the base URL, with `{token}` replaced by the job's token
   * (e.g. `lab?token={token}`).
   */
  urlPath: string
  /**
   * `backend: slurm` (with `slurm`): its jobs run as Slurm jobs, their resource options mapped onto the
   * job (`num_cpus` → CPUs per task, `memory_mb` → memory per node, `time_limit_minutes` → time limit).
   */
  placement?: SlurmPlacement
}

/** One entry of `GET /parameters/`: a resource option a job may be started with. */
export interface JobParameterDef {
  display_name: string
  description: string
  variable_name: string
  default_value: number | boolean
  validation: { type: 'int' | 'bool'; min?: number; max?: number; required: boolean }
}

/** `spec.labgate.workspaces` of the TrainingPortal. */
export interface WorkspaceSettings {
  /** Where workspaces live (absolute); absent: `<data>/workspaces`. */
  root?: string
  /** Absolute host directories that symlinks may point into, mounted read-only into jobs at the same path. */
  dataRoots: string[]
  /** Per-workspace quota: bytes and files (0 = unlimited). Default 10Gi and 100,000. */
  quota: { bytes: number; files: number }
  /** Largest upload, bytes (default 100Mi). */
  uploadLimit: number
  /** Lifetime of tokens from `POST /tokens/`, seconds (default 30 days). */
  tokenLifetime: number
  /** Domain whose hosts `job-<id>.<domain>` serve jobs' web UIs; default `gateway.domain`; absent: path routing. */
  domain?: string
  /** Job types by id, built-ins included, in order. */
  jobTypes: JobTypeDef[]
  /** The resource options of `GET /parameters/`. */
  parameters: JobParameterDef[]
}

/** A TrainingPortal resource. */
export interface PortalDefinition {
  name: string
  labels: Record<string, string>
  /** `spec.portal.sessions.maximum`, 0 = unlimited. */
  maximum: number
  /** Per registered user, 0 = unlimited. */
  registered: number
  /** Per anonymous user (API-created users are anonymous), 0 = unlimited. */
  anonymous: number
  registration: { type: 'one-step' | 'anonymous'; enabled: boolean }
  catalogVisibility: 'private' | 'public'
  /**
   * The event access code (`spec.portal.password`): when set, the portal's pages ask for it before
   * anything else (the API, LMS launches and sessions' own pages do not).
   */
  accessCode?: string
  /** Fallback index URL (`spec.portal.index`). */
  index?: string
  /** Absent parts are generated on first start and persisted. */
  robot: { username?: string; password?: string; clientId?: string; clientSecret?: string }
  /** `spec.portal.credentials.admin`, when given (Educates' admin login for the portal's admin pages). */
  admin?: { username?: string; password?: string }
  /** `spec.analytics.webhook.url`. */
  webhookUrl?: string
  workshops: PortalWorkshop[]
  labgate: LabgateSettings
  sourceFile: string
}

/** Everything loaded from `--config`. Exactly one portal per labgate process. */
export interface LoadedConfig {
  portal: PortalDefinition
  /** Every Workshop found, by name, including ones the portal does not list. */
  workshops: Map<string, WorkshopDefinition>
  /** Non-fatal findings: unknown fields, clamped values. `file: path: message`. */
  warnings: string[]
}
