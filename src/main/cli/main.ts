import { parseArgs } from 'node:util'
import { LABGATE_VERSION } from '../version.js'
import { LabgateError } from '../../domain/errors.js'
import { audit, AUDIT_USAGE } from './audit.js'
import { clients, CLIENTS_USAGE } from './clients.js'
import { credentials, CREDENTIALS_USAGE } from './credentials.js'
import { deploy, DEPLOY_USAGE } from './deploy.js'
import { ltiKeys, LTI_KEYS_USAGE } from './lti-keys.js'
import { remoteLabs, REMOTE_LABS_USAGE } from './remote-labs.js'
import { lms, LMS_USAGE } from './lms-courses.js'
import { LMS_SCORM_USAGE } from './lms-scorm.js'
import { parseDatabaseUrl } from '../database-url.js'
import { tune, TUNE_USAGE } from './tune.js'
import { parseTrustProxy } from '../trust-proxy.js'
import { validate } from './validate.js'
import { readFileSync } from 'node:fs'
import { LOG_FORMATS, LOG_LEVELS, type LogFormat, type LogLevel } from '../logger.js'

const USAGE = `labgate: isolated lab sessions on demand, behind an Educates-compatible REST API

Usage:
  labgate serve --config <file|dir> --data <dir> [--database <postgres://…>] [--port <n>] [--host <addr>]
                [--public-url <url>] [--trust-proxy <true|hops|addr,cidr,...>]
                [--replica-address <url>] [--replica-timeout <seconds>]
                [--log-format text|json] [--log-level debug|info|warn|error] [--metrics-token-file <file>]
                [--tune-kernel]
  labgate validate --config <file|dir>
${TUNE_USAGE}
${CLIENTS_USAGE}
${CREDENTIALS_USAGE}
${AUDIT_USAGE}
${LTI_KEYS_USAGE}
${REMOTE_LABS_USAGE}
${LMS_USAGE}
${LMS_SCORM_USAGE}
${DEPLOY_USAGE}
  labgate --help | --version

serve      runs the portal: loads the TrainingPortal and Workshop YAML, opens the SQLite store in
           <data>/labgate.db (or PostgreSQL with --database, default $LABGATE_DATABASE_URL), starts
           sandboxes, and serves the API (default port 8080, host 127.0.0.1).
           --trust-proxy: whose X-Forwarded-For gives the client address (rate limits, sign-in backoff):
           true (any peer), a hop count, or addresses/CIDR ranges of the proxies. Default: nobody's.
           On PostgreSQL, any number of serve processes (replicas, each with its own --data) share the
           database behind one URL. --replica-address: where the other replicas reach this one (default
           $LABGATE_REPLICA_ADDRESS, else http://<host>:<port>); --replica-timeout: after how many seconds
           unseen a replica's sessions are marked failed (default 60).
           --log-format: log lines as text (default) or JSON objects, one a line ($LABGATE_LOG_FORMAT);
           --log-level: the least severe level logged, debug, info (default), warn or error
           ($LABGATE_LOG_LEVEL). Every HTTP request is one line: request id, actor, method, route pattern,
           status and milliseconds. GET /metrics serves Prometheus metrics, open to anyone who can reach
           it unless --metrics-token-file names a file holding a scrape token ($LABGATE_METRICS_TOKEN holds
           the token itself); then scrapers send "Authorization: Bearer <token>" (docs/operations.md).
           The local backend logs how many live sessions the host's limits allow and warns when the portal
           may run more; --tune-kernel (as root) first raises the kernel settings and labgate's open-files
           limit that are too low for them (docs/capacity.md).
validate   loads the definitions and reports every error and warning, without starting anything.
tune       shows how many live sessions this host's limits allow and which runs out first; as root
           raises the kernel settings too low for --sessions (default 10000) and prints the sysctl.d
           lines that keep them; --dry-run only shows what it would raise; --json prints one object.
clients    registers, lists and disables the OAuth clients of labgate's authorization server (apps that
           sign their users in with labgate through the code flow, services using client credentials).
credentials shows the Educates robot's username, client id and where its secrets come from; --rotate
           makes new generated ones, prints them once, and revokes the tokens got with the old ones.
audit      prints the LMS audit trail, oldest first: every launch, refused launch, deep link, grade post,
           roster read and remote reservation, with its LMS, user, course, lab, outcome and reason.
           --since: an ISO time or a duration back from now (24h, 7d); --json: one JSON object a line.
lti-keys   lists the LTI tool's signing keys (published at /lti/1.3/jwks); --rotate makes a new one
           active, keeping the old one published for a day.
remote-labs check asks each remote lab system for its plug-in test, capabilities and labs, and says for
           each lab the LMSs name on it whether the system has it (found, missing); exit code 1 on any
           problem. --json: the whole report as one JSON array.
lms courses asks an LMS registered with basicHttp.coursesUrl for its courses (gateway4labs' course
           discovery): their ids are the contextIds labs' courses name. --q filters by name,
           --start pages; --json prints the LMS's answer.
lms scorm  writes a SCORM 1.2 package (--out) that opens lab --lab of a basicHttp LMS (--lms when
           several have it) through the LMS's gateway4labs plug-in: --base-path and --extension (/ or
           .php) default to what basicHttp.coursesUrl shows, else / and /; --title to the workshop's
           title; --force overwrites an existing --out.
deploy kubernetes prints the manifests that run labgate itself on Kubernetes (3 replicas on PostgreSQL
           behind an Ingress; docs/deploy-kubernetes.md); --out writes them to a file.`

/** Runs the CLI with `argv` (without node and the script); resolves to the process exit code. */
export async function run(argv: string[]): Promise<number> {
  const [command, ...rest] = argv
  try {
    if (!command || command === '--help' || command === '-h' || command === 'help') {
      console.log(USAGE)
      return command ? 0 : 2
    }
    if (command === '--version') {
      console.log(`labgate ${LABGATE_VERSION}`)
      return 0
    }
    if (command === 'clients') return await clients(rest)
    if (command === 'credentials') return await credentials(rest)
    if (command === 'audit') return await audit(rest)
    if (command === 'lti-keys') return await ltiKeys(rest)
    if (command === 'remote-labs') return await remoteLabs(rest)
    if (command === 'lms') return await lms(rest)
    if (command === 'deploy') return await deploy(rest)
    if (command === 'tune') return await tune(rest)
    const { values } = parseArgs({
      args: rest,
      options: {
        config: { type: 'string' },
        data: { type: 'string' },
        database: { type: 'string' },
        port: { type: 'string' },
        host: { type: 'string' },
        'public-url': { type: 'string' },
        'trust-proxy': { type: 'string' },
        'replica-address': { type: 'string' },
        'replica-timeout': { type: 'string' },
        'log-format': { type: 'string' },
        'log-level': { type: 'string' },
        'metrics-token-file': { type: 'string' },
        'tune-kernel': { type: 'boolean' },
      },
      strict: true,
    })
    if (command === 'validate') {
      if (!values.config) return usage('validate needs --config <file|dir>')
      return await validate(values.config)
    }
    if (command === 'serve') {
      if (!values.config) return usage('serve needs --config <file|dir>')
      if (!values.data) return usage('serve needs --data <dir>')
      const port = values.port === undefined ? 8080 : Number(values.port)
      if (!Number.isInteger(port) || port < 0 || port > 65535)
        return usage(`--port must be an integer from 0 to 65535, got "${values.port}"`)
      const database = values.database ?? (process.env.LABGATE_DATABASE_URL || undefined)
      const replicaAddress = values['replica-address'] ?? (process.env.LABGATE_REPLICA_ADDRESS || undefined)
      if (replicaAddress !== undefined && !/^https?:\/\/[^/?#\s]+\/?$/.test(replicaAddress))
        return usage(`--replica-address must be http://host:port, got "${replicaAddress}"`)
      const timeout = values['replica-timeout'] === undefined ? 60 : Number(values['replica-timeout'])
      if (!Number.isFinite(timeout) || timeout < 1 || timeout > 86_400)
        return usage(
          `--replica-timeout must be a number of seconds from 1 to 86400, got "${values['replica-timeout']}"`,
        )
      const logFormat = values['log-format'] ?? (process.env.LABGATE_LOG_FORMAT || 'text')
      if (!(LOG_FORMATS as readonly string[]).includes(logFormat))
        return usage(`--log-format must be ${LOG_FORMATS.join(' or ')}, got "${logFormat}"`)
      const logLevel = values['log-level'] ?? (process.env.LABGATE_LOG_LEVEL || 'info')
      if (!(LOG_LEVELS as readonly string[]).includes(logLevel))
        return usage(`--log-level must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`)
      const metricsToken = values['metrics-token-file']
        ? readToken(values['metrics-token-file'])
        : process.env.LABGATE_METRICS_TOKEN
          ? checkToken(process.env.LABGATE_METRICS_TOKEN, '$LABGATE_METRICS_TOKEN')
          : undefined
      if (typeof metricsToken === 'object') return usage(metricsToken.problem)
      // Loaded only here: the server's modules take about a second to load, which every other command
      // (each a fresh process an operator or a script runs) would otherwise pay.
      const { serve } = await import('./serve.js')
      return await serve({
        logFormat: logFormat as LogFormat,
        logLevel: logLevel as LogLevel,
        ...(metricsToken ? { metricsToken } : {}),
        ...(values['tune-kernel'] ? { tuneKernel: true } : {}),
        ...(replicaAddress ? { replicaAddress: replicaAddress.replace(/\/$/, '') } : {}),
        replicaTimeoutSeconds: timeout,
        config: values.config,
        data: values.data,
        ...(database ? { database: parseDatabaseUrl(database) } : {}),
        port,
        host: values.host ?? '127.0.0.1',
        publicUrl: values['public-url'],
        trustProxy: values['trust-proxy'] === undefined ? undefined : parseTrustProxy(values['trust-proxy']),
      })
    }
    return usage(`unknown command "${command}"`)
  } catch (e) {
    if (e instanceof LabgateError) {
      console.error(`labgate: ${e.message}`)
      return 1
    }
    if ((e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) return usage((e as Error).message)
    throw e
  }
}

/** The scrape token in `file` (surrounding whitespace dropped), or what is wrong with the file. */
function readToken(file: string): string | { problem: string } {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (e) {
    return { problem: `--metrics-token-file: cannot read ${file}: ${(e as Error).message}` }
  }
  return checkToken(text.trim(), `--metrics-token-file ${file}`)
}

/** `token` when it is one of at least 16 printable ASCII characters without spaces, else the problem. */
function checkToken(token: string, from: string): string | { problem: string } {
  if (/^[\x21-\x7e]{16,}$/.test(token)) return token
  return { problem: `${from} must hold one token of at least 16 printable characters without spaces` }
}

function usage(problem: string): number {
  console.error(`labgate: ${problem}\n\n${USAGE}`)
  return 2
}
