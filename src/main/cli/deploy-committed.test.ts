import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { parseAllDocuments } from 'yaml'
import { validateKubernetesObject } from '../../../test/kubernetes-schema.js'
import { deploy } from './deploy.js'

const COMMITTED = fileURLToPath(new URL('../../../deploy/kubernetes/labgate.yaml', import.meta.url))
const REGENERATE =
  'npm run build && node bin/labgate.js deploy kubernetes --out deploy/kubernetes/labgate.yaml'

afterEach(() => vi.restoreAllMocks())

/** What `labgate deploy kubernetes` with no flags prints. */
async function renderDefaults(): Promise<string> {
  const out: string[] = []
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    out.push(String(chunk))
    return true
  })
  expect(await deploy(['kubernetes'])).toBe(0)
  return out.join('')
}

describe('deploy/kubernetes/labgate.yaml', () => {
  it('is what `labgate deploy kubernetes` renders with its defaults', async () => {
    const committed = await readFile(COMMITTED, 'utf8')
    const rendered = await renderDefaults()
    expect(
      rendered === committed,
      `deploy/kubernetes/labgate.yaml has drifted from what labgate renders; regenerate it with: ${REGENERATE}`,
    ).toBe(true)
  })

  it('holds eight objects that conform to the Kubernetes schemas', async () => {
    const docs = parseAllDocuments(await readFile(COMMITTED, 'utf8'))
    const objects = [...docs].map((d) => {
      expect(d.errors).toEqual([])
      return d.toJS() as { apiVersion: string; kind: string }
    })
    expect(objects).toHaveLength(8)
    for (const o of objects) expect(() => validateKubernetesObject(o), o.kind).not.toThrow()
  })
})
