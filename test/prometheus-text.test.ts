import { describe, expect, it } from 'vitest'
import { histogram, parsePrometheusText, sampleValue } from './prometheus-text.js'

const good = `# HELP x_total Things, with a \\\\ and a\\nline break.
# TYPE x_total counter
x_total{kind="a \\"quoted\\" \\\\ value\\n"} 3
x_total{kind="b",} 0
# a comment
# TYPE h histogram
h_bucket{le="0.1"} 1
h_bucket{le="1"} 2
h_bucket{le="+Inf"} 3
h_sum 4.5
h_count 3
# TYPE g gauge
g -1.5e3 1700000000000
g{a="1"} NaN
`

describe('parsePrometheusText', () => {
  it('reads HELP, TYPE, labels with escapes, histograms and special values', () => {
    const f = parsePrometheusText(good)
    expect(f.get('x_total')).toMatchObject({ type: 'counter', help: 'Things, with a \\ and a\nline break.' })
    expect(sampleValue(f, 'x_total', { kind: 'a "quoted" \\ value\n' })).toBe(3)
    expect(sampleValue(f, 'x_total', { kind: 'b' })).toBe(0)
    expect(sampleValue(f, 'g')).toBe(-1500)
    expect(sampleValue(f, 'g', { a: '1' })).toBeNaN()
    expect(histogram(f, 'h')).toEqual({
      labels: {},
      buckets: [
        { le: 0.1, count: 1 },
        { le: 1, count: 2 },
        { le: Infinity, count: 3 },
      ],
      sum: 4.5,
      count: 3,
    })
  })

  it.each([
    ['no final line break', 'a 1'],
    ['a bad name', '1a 1\n'],
    ['a bad value', 'a one\n'],
    ['two values', 'a 1 2 3\n'],
    ['an unclosed label value', 'a{b="c} 1\n'],
    ['a bad escape', 'a{b="\\t"} 1\n'],
    ['a label twice', 'a{b="1",b="2"} 1\n'],
    ['a duplicate series', 'a{b="1"} 1\na{b="1"} 2\n'],
    ['a TYPE after samples', 'a 1\n# TYPE a gauge\n'],
    ['two TYPEs', '# TYPE a gauge\n# TYPE a gauge\n'],
    ['an unknown type', '# TYPE a meter\n'],
    ['split families', '# TYPE a gauge\na 1\n# TYPE b gauge\nb 1\na{x="1"} 2\n'],
    ['a negative counter', '# TYPE a_total counter\na_total -1\n'],
    ['a bucket without le', '# TYPE h histogram\nh_bucket 1\nh_sum 1\nh_count 1\n'],
    ['no +Inf bucket', '# TYPE h histogram\nh_bucket{le="1"} 1\nh_sum 1\nh_count 1\n'],
    [
      'buckets not cumulative',
      '# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n',
    ],
    ['+Inf not _count', '# TYPE h histogram\nh_bucket{le="+Inf"} 2\nh_sum 1\nh_count 1\n'],
    ['no _sum', '# TYPE h histogram\nh_bucket{le="+Inf"} 1\nh_count 1\n'],
  ])('rejects %s', (_what, text) => {
    expect(() => parsePrometheusText(text)).toThrow()
  })
})
