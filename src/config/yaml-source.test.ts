import { describe, expect, it } from 'vitest'
import { formatPath, parseYamlFile } from './yaml-source.js'

describe('parseYamlFile', () => {
  const text = [
    'a: 1',
    'list:',
    '  - name: x',
    '    value: 2',
    '  - name: y',
    '---',
    'b:',
    '  c: 3',
    '',
  ].join('\n')

  it('splits documents and finds the line of a path, a key or a list item', () => {
    const { documents, syntaxErrors } = parseYamlFile('f.yaml', text)
    expect(syntaxErrors).toEqual([])
    expect(documents.map((d) => d.value)).toEqual([
      { a: 1, list: [{ name: 'x', value: 2 }, { name: 'y' }] },
      { b: { c: 3 } },
    ])
    const [first, second] = documents
    expect(first?.lineOf(['a'])).toBe(1)
    expect(first?.lineOf(['list', 0, 'value'])).toBe(4)
    expect(first?.lineOf(['list', 1])).toBe(5)
    expect(second?.lineOf(['b', 'c'])).toBe(8)
  })

  it('falls back to the nearest existing parent for a missing path', () => {
    const [, second] = parseYamlFile('f.yaml', text).documents
    expect(second?.lineOf(['b', 'missing', 'deeper'])).toBe(7)
  })

  it('reports syntax errors with file, line and the parser reason, and no documents', () => {
    const result = parseYamlFile('bad.yaml', 'a: 1\nb: [1, 2\nc: 3\n')
    expect(result.documents).toEqual([])
    expect(result.syntaxErrors[0]).toMatch(/^bad\.yaml:\d+: YAML syntax error: .+/)
  })

  it('treats duplicate keys as errors', () => {
    const result = parseYamlFile('dup.yaml', 'a: 1\na: 2\n')
    expect(result.syntaxErrors).toEqual([expect.stringMatching(/^dup\.yaml:2: YAML syntax error: .*unique/)])
  })

  it('refuses alias bombs instead of expanding them', () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]']
    for (let i = 0; i < 8; i++)
      bomb.push(
        `${'bcdefghi'[i]}: &${'bcdefghi'[i]} [${Array(10)
          .fill(`*${i === 0 ? 'a' : 'bcdefghi'[i - 1]}`)
          .join(', ')}]`,
      )
    const result = parseYamlFile('bomb.yaml', bomb.join('\n'))
    expect(result.documents).toEqual([])
    expect(result.syntaxErrors[0]).toMatch(/^bomb\.yaml:1: YAML syntax error: /)
  })
})

describe('formatPath', () => {
  it('writes dotted paths with list indexes and quotes odd keys', () => {
    expect(formatPath(['spec', 'workshops', 1, 'capacity'])).toBe('spec.workshops[1].capacity')
    expect(formatPath(['metadata', 'labels', 'app.kubernetes.io/name'])).toBe(
      'metadata.labels["app.kubernetes.io/name"]',
    )
    expect(formatPath([])).toBe('')
  })
})
