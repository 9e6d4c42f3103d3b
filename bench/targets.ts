/**
 * The targets and the peer's figures, in the words of docs/performance.md ("Targets" and "The peer"),
 * and how each measured figure is judged against them. The one place to update when the doc changes.
 * Rows are judged by the raised targets, the ones to reach now; each row's text names the first target
 * beside it.
 */
import type { FigureId, FigureResult } from './figures.js'
import { PAGE_TARGET_MS } from './pages.js'
import { ms } from './stats.js'

/** JupyterHub 3.0.0 as measured in docs/performance.md. */
export const PEER = {
  oneSession: { text: '5.5 s (one session, request until ready)', ms: 5500 },
  tenAtOnce: { text: '10.8 s, p50 7.2 s (10 sessions at once, until all ready)', s: 10.8 },
  memory: { text: '109 MiB RSS per idle session', mib: 109 },
  reads: { text: '336 req/s, mean 59 ms (GET of one user record, 20 connections)', rps: 336 },
} as const

/** The peer's figures a row can be compared with (the keys of {@link PEER}). */
export type PeerKey = keyof typeof PEER

/**
 * The peer's figures measured in this run (bench/peer/), by key: `value` in the unit the ratios use
 * (oneSession ms, tenAtOnce s, memory MiB, reads req/s) and a short `text` for the table.
 */
export type PeerMeasured = Partial<Record<PeerKey, { value: number; text: string }>>

/** docs/performance.md's figure for each peer key, in the unit the ratios use. */
const PEER_DOC: Record<PeerKey, number> = {
  oneSession: PEER.oneSession.ms,
  tenAtOnce: PEER.tenAtOnce.s,
  memory: PEER.memory.mib,
  reads: PEER.reads.rps,
}

export interface Row {
  figure: string
  result: string
  target: string
  met: 'yes' | 'no' | 'n/a'
  peer: string
  ratio: string
}

interface Measured {
  figure: string
  target: string
  /** docs/performance.md's words for the peer's figure ('–' when there is none). */
  peer: string
  /** The peer's figure this row compares with: the measured one when this run measured it. */
  peerOf?: PeerKey
  /**
   * Whether the target is met; null when the figure has no target of its own. `peer` is the peer's figure
   * (see `peerOf`) in its ratio unit: measured in this run, else docs/performance.md's.
   */
  met(r: FigureResult, peer: number): boolean | null
  ratio(r: FigureResult, peer: number): string
  result(r: FigureResult): string
}

const lat = (r: FigureResult) =>
  r.latency ? `p50 ${ms(r.latency.p50)} ms, p99 ${ms(r.latency.p99)} ms` : '–'
const none = () => '–'

export const MEASURED: Record<FigureId, Measured> = {
  reserve: {
    figure: 'request → pending session, reserve available (HTTP 200)',
    target: 'none of its own (a part of the warm target)',
    peer: '–',
    met: () => null,
    ratio: none,
    result: lat,
  },
  warm: {
    figure: 'request → activate (302 + cookie), reserve available',
    target: 'none of its own (a part of the warm target)',
    peer: '–',
    met: () => null,
    ratio: none,
    result: lat,
  },
  'warm-terminal': {
    figure:
      'warm (reserved) session: request → activate → terminal prompt, end to end over HTTP and WebSocket ' +
      '[activation, signing in to the portal and the dashboard → dashboard 200 → terminal socket → prompt]',
    target: 'p50 ≤ 6 ms (first target: p50 ≤ 30 ms, p99 ≤ 100 ms)',
    peer: '–',
    met: (r) => (r.latency ? r.latency.p50 <= 6 : false),
    ratio: none,
    result: lat,
  },
  'lti13-terminal': {
    figure:
      'LTI 1.3 launch into a warm (reserved) session → terminal prompt [login initiation → the ' +
      "platform's id_token signed for its nonce → launch form post → the warm-terminal flow from the activation]",
    target: 'p50 ≤ 50 ms',
    peer: '–',
    met: (r) => (r.latency ? r.latency.p50 <= 50 : false),
    ratio: none,
    result: lat,
  },
  cold: {
    figure: 'cold session (no reserve): request → sandbox up (schedule RUNNING)',
    target: 'none of its own (a part of the cold target)',
    peer: '–',
    met: () => null,
    ratio: none,
    result: lat,
  },
  'cold-terminal': {
    figure:
      'cold session (no reserve): request → terminal prompt [the same browser flow; the socket once RUNNING]',
    target: 'p50 ≤ 10 ms, ≥ 100× the peer (first target: p50 ≤ 100 ms, ≥ 50×)',
    peer: PEER.oneSession.text,
    peerOf: 'oneSession',
    met: (r, p) => (r.latency ? r.latency.p50 <= 10 && p / r.latency.p50 >= 100 : false),
    ratio: (r, p) => (r.latency ? `${(p / r.latency.p50).toFixed(0)}× faster (p50)` : '–'),
    result: lat,
  },
  'slurm-terminal': {
    figure:
      "session on Slurm (a batch job, no reserve): request → terminal prompt [the cold-terminal flow; Slurm's part apart]",
    target: "none in performance.md (Slurm's scheduler is part of it: see the row's note)",
    peer: '–',
    met: () => null,
    ratio: none,
    result: lat,
  },
  burst: {
    figure: '100 cold sessions requested at once [until all RUNNING]',
    target: 'all ready ≤ 0.5 s (first target: ≤ 3 s)',
    peer: PEER.tenAtOnce.text,
    peerOf: 'tenAtOnce',
    met: (r) => (r.value !== undefined ? r.value <= 0.5 : false),
    ratio: (r, p) =>
      r.value !== undefined ? `10× the sessions, ${(p / r.value).toFixed(1)}× less time` : '–',
    result: (r) =>
      r.value !== undefined
        ? `all in ${r.value.toFixed(2)} s (median round), per session p50 ${r.latency ? ms(r.latency.p50) : '–'} ms`
        : '–',
  },
  memory: {
    figure:
      "memory per idle session (sandbox + shell, labgate's own share included) [PSS of the sandbox's " +
      "processes incl. an open terminal's shell + labgate's RSS growth]",
    target: '≤ 1 MiB (first target: ≤ 8 MiB, ≥ 13× less than the peer)',
    peer: PEER.memory.text,
    peerOf: 'memory',
    met: (r) => (r.value !== undefined ? r.value <= 1 : false),
    ratio: (r, p) => (r.value !== undefined ? `${(p / r.value).toFixed(1)}× less` : '–'),
    result: (r) => {
      if (r.value === undefined) return '–'
      const n = r.details.sessions as number | undefined
      const avail = r.details.machineMemAvailableDropPerSessionMiB as number | undefined
      return (
        `${r.value.toFixed(2)} MiB per session (${n ?? '?'} sessions; ` +
        `machine MemAvailable drop ${avail === undefined ? '–' : avail.toFixed(2)} MiB per session)`
      )
    },
  },
  schedule: {
    figure: 'authenticated `schedule` GET, 20 connections',
    target: '≥ 50,000 req/s, p99 ≤ 2 ms (first target: ≥ 10,000 req/s, p99 ≤ 10 ms, ≥ 30× the peer)',
    peer: PEER.reads.text,
    peerOf: 'reads',
    met: (r) => (r.rate !== undefined && r.latency ? r.rate >= 50_000 && r.latency.p99 <= 2 : false),
    ratio: (r, p) => (r.rate !== undefined ? `${(r.rate / p).toFixed(1)}× the req/s` : '–'),
    result: (r) => (r.rate !== undefined ? `${r.rate.toFixed(0)} req/s, ${lat(r)}` : '–'),
  },
  alloc: {
    figure: 'session requests (allocations) [measured: new users, 20 in flight, no reserves]',
    target: '≥ 5,000/s sustained on SQLite with durable commits (first target: ≥ 1,000/s)',
    peer: '–',
    met: (r) => (r.rate !== undefined ? r.rate >= 5000 : false),
    ratio: none,
    result: (r) => (r.rate !== undefined ? `${r.rate.toFixed(0)}/s, ${lat(r)}` : '–'),
  },
  echo: {
    figure: 'terminal keystroke echo through the gateway [one key, 5 ms apart, bash readline]',
    target: 'p99 ≤ 1 ms (first target: p99 ≤ 5 ms)',
    peer: '–',
    met: (r) => (r.latency ? r.latency.p99 <= 1 : false),
    ratio: none,
    result: lat,
  },
  density: {
    figure:
      'live sessions on one 2-core, 24 GiB machine [each entered in a browser, its terminal answering a ' +
      "command; memory: sandbox PSS + labgate's RSS growth, per session]",
    target: '10,000, each with a working terminal',
    peer: '–',
    met: (r) => {
      const d = r.details as { sessions?: number; terminalsAnsweringAtEnd?: number }
      return (d.sessions ?? 0) >= 10_000 && (d.terminalsAnsweringAtEnd ?? 0) >= 10_000
    },
    ratio: none,
    result: (r) => {
      const d = r.details as { sessions?: number; startS?: number; terminalsAnsweringAtEnd?: number }
      if (d.sessions === undefined) return '–'
      return (
        `${d.sessions} of ${r.settings.n} live, started in ${d.startS?.toFixed(1)} s; ` +
        `${r.value === undefined ? '–' : r.value.toFixed(2)} MiB per session; ` +
        `${d.terminalsAnsweringAtEnd} terminals answered at the end`
      )
    },
  },
  scaling: {
    figure:
      'cost growth [allocation p50 with 10 / 1,000 / 10,000 sessions in the store (stopped rows with ' +
      'sandboxes; live rows on the fake backend); catalog p50 with 1 / 10 / 100 environments]',
    target:
      'allocation time flat from 10 to 100,000 sessions in the store; catalog time linear in environments ' +
      'only (first target: flat to 10,000, the most this figure measures, so not judged here)',
    peer: '–',
    met: () => null,
    ratio: none,
    result: (r) => {
      const d = r.details as {
        series?: { rows: string; levels: { sessions: number; alloc: { p50: number } }[] }[]
        catalog?: { environments: number; catalog: { p50: number } }[]
      }
      if (!d.series) return '–'
      const alloc = d.series.map(
        (x) =>
          `allocation (${x.rows} rows) ` +
          x.levels.map((l) => `${l.sessions}: ${ms(l.alloc.p50)}`).join(', ') +
          ' ms',
      )
      const cat = (d.catalog ?? []).map((c) => `${c.environments}: ${ms(c.catalog.p50)}`).join(', ')
      return `${alloc.join('; ')}; catalog by environments ${cat} ms (p50s; ratios in the notes)`
    },
  },
  pages: {
    figure:
      'portal and admin pages with 10,000 live sessions in the store (quick run: 1,000) [each page p50, loopback; ' +
      'the row shows the slowest]',
    target: `p50 ≤ ${PAGE_TARGET_MS} ms for every page`,
    peer: '–',
    met: (r) => {
      const pages = (r.details.pages ?? []) as { latency: { p50: number } | null }[]
      const timed = pages.filter((p) => p.latency)
      return timed.length > 0 && timed.every((p) => p.latency!.p50 <= PAGE_TARGET_MS)
    },
    ratio: none,
    result: (r) => {
      const pages = (r.details.pages ?? []) as { path: string; latency: { p50: number } | null }[]
      if (!pages.length) return '–'
      return pages.map((p) => `${p.path} ${p.latency ? ms(p.latency.p50) : 'not served'}`).join(', ') + ' ms'
    },
  },
  replicas: {
    figure:
      'replicas on PostgreSQL [1 / 2 / 3 `labgate serve` behind a round-robin balancer: allocations/s; ' +
      'storm of 200 for capacity 20; warm request → signed-in dashboard p50; echo p50 direct / relayed]',
    target: 'none in performance.md (reported: the honest curve on two cores)',
    peer: '–',
    met: () => null,
    ratio: none,
    result: (r) => {
      const levels = r.details.levels as
        | {
            replicas: number
            allocPerS: number
            storm: { given: number; sent: number }
            warm: { p50: number } | null
            echoDirect: { p50: number } | null
            echoRelayed: { p50: number } | null
          }[]
        | undefined
      if (!levels?.length) return '–'
      return levels
        .map(
          (l) =>
            `${l.replicas}: ${l.allocPerS.toFixed(0)}/s, storm ${l.storm.given}/${l.storm.sent}, warm ` +
            `${l.warm ? ms(l.warm.p50) : '–'} ms` +
            (l.echoDirect
              ? `, echo ${ms(l.echoDirect.p50)} / ${l.echoRelayed ? ms(l.echoRelayed.p50) : '–'} ms`
              : ''),
        )
        .join('; ')
    },
  },
  'ws-create': {
    figure: 'workspace create with 10 files of 1,000 bytes (`POST /workspaces/`, UWS token)',
    target: 'p50 ≤ 20 ms',
    peer: '–',
    met: (r) => (r.latency ? r.latency.p50 <= 20 : false),
    ratio: none,
    result: lat,
  },
  'job-local': {
    figure:
      'job start → running, `local_test` (`PUT /workspaces/<id>/start/` until `GET /jobs/<id>/` shows ' +
      '`running`) [the web server answering: detail]',
    target: 'p50 ≤ 300 ms',
    peer: '–',
    met: (r) => (r.latency ? r.latency.p50 <= 300 : false),
    ratio: none,
    result: (r) => {
      const ready = r.details.ready as { p50: number } | undefined
      return `${lat(r)}; "Webserver ready." p50 ${ready && r.latency ? ms(ready.p50) : '–'} ms`
    },
  },
  'job-jupyter': {
    figure:
      'job start → notebook answering, `jupyter_lab` (until `GET /jobs/<id>/` shows "Webserver ready.")',
    target: 'none (reported only)',
    peer: '–',
    met: () => null,
    ratio: none,
    result: lat,
  },
  output: {
    figure: 'terminal output throughput [50 MB of `a` through pty → labgate → WebSocket]',
    target: 'none in performance.md',
    peer: '–',
    met: () => null,
    ratio: none,
    result: (r) => (r.rate !== undefined ? `${r.rate.toFixed(1)} MB/s (median run)` : '–'),
  },
}

/** Targets this version of the benchmark does not measure yet (printed so the table shows every target). */
export const NOT_MEASURED: { figure: string; target: string; peer: string }[] = []

/** The order of the table: each target's parts before it, then the load figures, then the terminal ones. */
export const TABLE_ORDER: readonly FigureId[] = [
  'reserve',
  'warm',
  'warm-terminal',
  'lti13-terminal',
  'cold',
  'cold-terminal',
  'slurm-terminal',
  'burst',
  'memory',
  'density',
  'schedule',
  'alloc',
  'scaling',
  'pages',
  'replicas',
  'echo',
  'output',
  'ws-create',
  'job-local',
  'job-jupyter',
]

/**
 * The peer's cell of a row and the figure its ratio uses: the one measured in this run (marked so) when
 * there is one, else docs/performance.md's (marked so); rows without a peer figure keep their '–'.
 */
function peerCell(m: Measured, measured: PeerMeasured): { text: string; value: number } {
  if (!m.peerOf) return { text: m.peer, value: NaN }
  const got = measured[m.peerOf]
  if (got) return { text: `${got.text} (measured)`, value: got.value }
  return { text: `${m.peer} (from performance.md)`, value: PEER_DOC[m.peerOf] }
}

/**
 * The table's rows: the measured figures among `ran`, in {@link TABLE_ORDER} (failed ones say so), then the
 * targets not measured. `peer` holds the peer's figures measured in this run, if any: the peer column and
 * the ratios (and the targets stated as ratios) use them instead of docs/performance.md's.
 */
export function rows(results: FigureResult[], ran: readonly FigureId[], peer: PeerMeasured = {}): Row[] {
  const out: Row[] = []
  for (const id of TABLE_ORDER.filter((x) => ran.includes(x))) {
    const m = MEASURED[id]
    const r = results.find((x) => x.id === id)
    if (!r) continue
    const p = peerCell(m, peer)
    if (r.status === 'failed') {
      out.push({
        figure: m.figure,
        result: 'failed (see log)',
        target: m.target,
        met: 'n/a',
        peer: p.text,
        ratio: '–',
      })
      continue
    }
    const met = m.met(r, p.value)
    out.push({
      figure: m.figure,
      result: m.result(r) + (r.errors ? ` (${r.errors} errors)` : ''),
      target: m.target,
      met: met === null ? 'n/a' : met ? 'yes' : 'no',
      peer: p.text,
      ratio: m.ratio(r, p.value),
    })
  }
  for (const n of NOT_MEASURED)
    out.push({
      figure: n.figure,
      result: 'not measured yet',
      target: n.target,
      met: 'n/a',
      peer: n.peer,
      ratio: '–',
    })
  return out
}

/** Word-wraps `text` to lines of at most `width` characters (longer words are cut). */
function wrap(text: string, width: number): string[] {
  const lines: string[] = []
  let line = ''
  for (const word of text.split(' ')) {
    let w = word
    while (w.length > width) {
      if (line) lines.push(line)
      lines.push(w.slice(0, width))
      w = w.slice(width)
      line = ''
    }
    if (!line) line = w
    else if (line.length + 1 + w.length <= width) line += ' ' + w
    else {
      lines.push(line)
      line = w
    }
  }
  if (line || lines.length === 0) lines.push(line)
  return lines
}

/** The rows as a plain-text table with wrapped cells. */
export function formatTable(rs: Row[]): string {
  const cols: { key: keyof Row; title: string; width: number }[] = [
    { key: 'figure', title: 'figure', width: 40 },
    { key: 'result', title: 'labgate', width: 28 },
    { key: 'target', title: 'target (performance.md)', width: 30 },
    { key: 'met', title: 'met?', width: 4 },
    { key: 'peer', title: 'JupyterHub', width: 27 },
    { key: 'ratio', title: 'ratio', width: 12 },
  ]
  const rule = '+' + cols.map((c) => '-'.repeat(c.width + 2)).join('+') + '+'
  const line = (cells: string[]) => '| ' + cells.map((c, i) => c.padEnd(cols[i]!.width)).join(' | ') + ' |'
  const out = [rule, line(cols.map((c) => c.title)), rule.replace(/-/g, '=')]
  for (const r of rs) {
    const wrapped = cols.map((c) => wrap(r[c.key], c.width))
    const height = Math.max(...wrapped.map((w) => w.length))
    for (let i = 0; i < height; i++) out.push(line(wrapped.map((w) => w[i] ?? '')))
    out.push(rule)
  }
  return out.join('\n')
}
