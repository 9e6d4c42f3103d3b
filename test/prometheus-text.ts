/**
 * A strict parser of Prometheus' text exposition format (version 0.0.4), for tests that scrape
 * `/metrics`: it throws, naming the line, on anything a Prometheus server would reject or that the format
 * forbids: malformed names, labels or values, bad escapes, a TYPE after its samples, a family's samples
 * split up, duplicate series, and histograms whose buckets are not cumulative, miss `+Inf`, or disagree
 * with their `_count`.
 */

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped'

export interface Sample {
  /** The sample's own name (`x_bucket`, `x_sum`, … for histograms). */
  name: string
  labels: Record<string, string>
  value: number
}

export interface Family {
  name: string
  help: string | null
  type: MetricType
  samples: Sample[]
}

export interface HistogramSeries {
  labels: Record<string, string>
  /** Cumulative counts by upper bound, ascending; the last is `+Inf`. */
  buckets: { le: number; count: number }[]
  sum: number
  count: number
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/
const TYPES = new Set<MetricType>(['counter', 'gauge', 'histogram', 'summary', 'untyped'])

/** Parses a whole exposition into its families, by name, in order of appearance. */
export function parsePrometheusText(text: string): Map<string, Family> {
  if (text !== '' && !text.endsWith('\n')) throw new Error('the exposition must end with a line break')
  const families = new Map<string, Family>()
  const seenSeries = new Set<string>()
  let current: Family | null = null
  const lines = text.split('\n')
  lines.pop()
  lines.forEach((line, i) => {
    const where = `line ${i + 1} (${JSON.stringify(line.slice(0, 80))})`
    const fail = (why: string): never => {
      throw new Error(`${where}: ${why}`)
    }
    if (line.trim() === '') return
    if (line.startsWith('#')) {
      const m = /^#\s+(HELP|TYPE)\s+(\S+)(?:\s(.*))?$/.exec(line)
      if (!m) return // another comment
      const [, keyword, name, rest = ''] = m
      if (!METRIC_NAME.test(name!)) fail(`bad metric name ${name}`)
      const family = familyFor(name!)
      if (keyword === 'HELP') {
        if (family.help !== null) fail(`a second HELP for ${name}`)
        family.help = unescape(rest, false, fail)
      } else {
        if (family.samples.length > 0) fail(`TYPE of ${name} after its samples`)
        if (family.typed) fail(`a second TYPE for ${name}`)
        if (!TYPES.has(rest.trim() as MetricType)) fail(`unknown type "${rest}"`)
        family.type = rest.trim() as MetricType
        family.typed = true
      }
      return
    }
    const sample = parseSample(line, fail)
    const family = familyOfSample(sample.name)
    const key = `${sample.name}${JSON.stringify(Object.entries(sample.labels).sort())}`
    if (seenSeries.has(key)) fail(`duplicate series ${key}`)
    seenSeries.add(key)
    if (family.type === 'histogram' && sample.name.endsWith('_bucket')) {
      if (!('le' in sample.labels)) fail('a histogram bucket without le')
      parseValue(sample.labels.le!, fail)
    }
    if (family.type === 'summary' && sample.name === family.name && !('quantile' in sample.labels))
      fail('a summary sample without quantile')
    const counts =
      family.type === 'counter' ||
      ((family.type === 'histogram' || family.type === 'summary') && sample.name !== family.name)
    if (counts && !(sample.value >= 0)) fail(`a counter is ${sample.value}`)
    family.samples.push(sample)
  })

  function familyFor(name: string): Family & { typed?: boolean } {
    let family = families.get(name) as (Family & { typed?: boolean }) | undefined
    if (!family) {
      family = { name, help: null, type: 'untyped', samples: [] }
      families.set(name, family)
    }
    return family
  }

  /** The family a sample belongs to; samples of one family must come together. */
  function familyOfSample(name: string): Family {
    const suffixes: [string, MetricType[]][] = [
      ['_bucket', ['histogram']],
      ['_sum', ['histogram', 'summary']],
      ['_count', ['histogram', 'summary']],
      ['_total', ['counter']],
      ['_created', ['counter', 'histogram', 'summary']],
    ]
    let family = families.get(name)
    for (const [suffix, types] of suffixes) {
      if (family || !name.endsWith(suffix)) continue
      const base = families.get(name.slice(0, -suffix.length))
      if (base && types.includes(base.type)) family = base
    }
    if (family?.type === 'histogram' && family.name === name)
      throw new Error(`histogram ${name} has a sample without _bucket, _sum or _count`)
    if (!family) family = familyFor(name)
    if (current && current !== family && family.samples.length > 0)
      throw new Error(`samples of ${family.name} are not together`)
    current = family
    return family
  }

  for (const family of families.values()) if (family.type === 'histogram') histogramSeries(family)
  return families
}

/** `name{l="v",...} value [timestamp]`. */
function parseSample(line: string, fail: (why: string) => never): Sample {
  const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{)?/.exec(line)
  if (!m) fail('a sample must start with a metric name')
  const name = m![1]!
  let i = name.length
  const labels: Record<string, string> = {}
  if (m![2]) {
    i++
    for (;;) {
      if (line[i] === '}') {
        i++
        break
      }
      const ln = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(line.slice(i))
      if (!ln || !LABEL_NAME.test(ln[0])) fail(`bad label name at column ${i + 1}`)
      const label = ln![0]
      i += label.length
      if (line[i] !== '=' || line[i + 1] !== '"') fail(`label ${label} needs ="value"`)
      i += 2
      let raw = ''
      for (;;) {
        const c = line[i]
        if (c === undefined) fail(`label ${label}'s value is not closed`)
        if (c === '"') break
        if (c === '\\') {
          raw += c + (line[i + 1] ?? '')
          i += 2
          continue
        }
        raw += c
        i++
      }
      i++
      if (label in labels) fail(`label ${label} twice`)
      labels[label] = unescape(raw, true, fail)
      if (line[i] === ',') i++
      else if (line[i] !== '}') fail(`expected , or } after label ${label}`)
    }
  }
  const rest = line.slice(i)
  const v = /^ +(\S+)(?: +(-?\d+))?$/.exec(rest)
  if (!v) fail('a sample needs one space-separated value and at most a timestamp')
  return { name, labels, value: parseValue(v![1]!, fail) }
}

/**
 * A float as Prometheus' own parser reads it (Go's `strconv.ParseFloat`): the format writes `NaN`, `+Inf`
 * and `-Inf`, and the parser takes them in any case (prom-client writes an unset mean as `Nan`).
 */
function parseValue(s: string, fail: (why: string) => never): number {
  if (/^\+?inf(inity)?$/i.test(s)) return Infinity
  if (/^-inf(inity)?$/i.test(s)) return -Infinity
  if (/^nan$/i.test(s)) return NaN
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(s)) fail(`bad value ${s}`)
  return Number(s)
}

/** Undoes `\\`, `\n` (and, in label values, `\"`); any other escape is an error. */
function unescape(s: string, quoted: boolean, fail: (why: string) => never): string {
  return s.replace(/\\(.?)/g, (_all, c: string) => {
    if (c === '\\') return '\\'
    if (c === 'n') return '\n'
    if (c === '"' && quoted) return '"'
    return fail(`bad escape \\${c}`)
  })
}

/** A histogram's series (one per label set but `le`), checked: cumulative buckets, `+Inf` = `_count`. */
export function histogramSeries(family: Family): HistogramSeries[] {
  if (family.type !== 'histogram') throw new Error(`${family.name} is a ${family.type}, not a histogram`)
  const series = new Map<string, HistogramSeries & { hasSum: boolean; hasCount: boolean }>()
  const of = (labels: Record<string, string>) => {
    const { le: _le, ...rest } = labels
    const key = JSON.stringify(Object.entries(rest).sort())
    let s = series.get(key)
    if (!s)
      series.set(key, (s = { labels: rest, buckets: [], sum: 0, count: 0, hasSum: false, hasCount: false }))
    return s
  }
  for (const sample of family.samples) {
    const s = of(sample.labels)
    if (sample.name === `${family.name}_bucket`) {
      const le = Number(sample.labels.le === '+Inf' ? Infinity : sample.labels.le)
      s.buckets.push({ le, count: sample.value })
    } else if (sample.name === `${family.name}_sum`) {
      s.sum = sample.value
      s.hasSum = true
    } else if (sample.name === `${family.name}_count`) {
      s.count = sample.value
      s.hasCount = true
    } else if (sample.name !== `${family.name}_created`)
      throw new Error(`${family.name}: unexpected sample ${sample.name}`)
  }
  for (const s of series.values()) {
    const what = `${family.name}${JSON.stringify(s.labels)}`
    if (!s.hasSum || !s.hasCount) throw new Error(`${what}: _sum and _count are both needed`)
    if (s.buckets.length === 0 || s.buckets.at(-1)!.le !== Infinity)
      throw new Error(`${what}: the last bucket must be le="+Inf"`)
    s.buckets.forEach((b, i) => {
      const prev = s.buckets[i - 1]
      if (prev && !(b.le > prev.le)) throw new Error(`${what}: bucket bounds must ascend`)
      if (prev && b.count < prev.count) throw new Error(`${what}: bucket counts must be cumulative`)
    })
    if (s.buckets.at(-1)!.count !== s.count) throw new Error(`${what}: the +Inf bucket must equal _count`)
  }
  return [...series.values()].map(({ labels, buckets, sum, count }) => ({ labels, buckets, sum, count }))
}

/** The value of the sample `name` whose labels are exactly `labels`; undefined when there is none. */
export function sampleValue(
  families: Map<string, Family>,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const want = JSON.stringify(Object.entries(labels).sort())
  for (const family of families.values())
    for (const s of family.samples)
      if (s.name === name && JSON.stringify(Object.entries(s.labels).sort()) === want) return s.value
  return undefined
}

/** The series of histogram `name` whose labels (but `le`) are exactly `labels`. */
export function histogram(
  families: Map<string, Family>,
  name: string,
  labels: Record<string, string> = {},
): HistogramSeries | undefined {
  const family = families.get(name)
  if (!family) return undefined
  const want = JSON.stringify(Object.entries(labels).sort())
  return histogramSeries(family).find((s) => JSON.stringify(Object.entries(s.labels).sort()) === want)
}
