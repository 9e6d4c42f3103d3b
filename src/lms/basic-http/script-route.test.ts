import { Linter } from 'eslint'
import Fastify from 'fastify'
import { runInNewContext } from 'node:vm'
import { afterAll, describe, expect, it } from 'vitest'
import { readLabgateScript } from './labgate-script.js'
import { LABGATE_SCRIPT_ROUTE, labgateScriptRoute } from './script-route.js'

const app = Fastify()
labgateScriptRoute(app)
afterAll(() => app.close())

/** The fatal parse errors of `source` as a classic script of ECMAScript `version`. */
const parseErrors = (source: string, version: 2017 | 2018) =>
  new Linter()
    .verify(source, { languageOptions: { ecmaVersion: version, sourceType: 'script' } })
    .filter((m) => m.fatal)
    .map((m) => m.message)

describe('GET /labmanager/labgate.js', () => {
  it('serves labgate.js to any page: JavaScript, not sniffed, cached briefly, CORS *', async () => {
    const res = await app.inject({ method: 'GET', url: LABGATE_SCRIPT_ROUTE })
    expect(res.statusCode).toBe(200)
    expect(res.body).toBe(readLabgateScript())
    expect(res.headers).toMatchObject({
      'content-type': 'text/javascript; charset=utf-8',
      'cache-control': 'public, max-age=300',
      'x-content-type-options': 'nosniff',
      'access-control-allow-origin': '*',
    })
    expect((await app.inject({ method: 'HEAD', url: LABGATE_SCRIPT_ROUTE })).statusCode).toBe(200)
  })
})

describe('labgate.js', () => {
  it('is an ES2017 classic script (the check refuses newer syntax)', () => {
    expect(parseErrors(readLabgateScript(), 2017)).toEqual([])
    expect(parseErrors('const { a, ...rest } = b', 2017)).not.toEqual([])
    expect(parseErrors('const { a, ...rest } = b', 2018)).toEqual([])
  })

  it('defines the global Laboratory and nothing else', () => {
    const window: Record<string, unknown> = {}
    const globals: Record<string, unknown> = { window }
    runInNewContext(readLabgateScript(), globals)
    expect(Object.keys(window)).toEqual(['Laboratory'])
    expect(Object.keys(globals)).toEqual(['window'])
    const lab = new (window.Laboratory as new () => Record<string, unknown>)()
    expect(lab).toMatchObject({ basePath: '/', extension: '/', rootId: 'gateway4labs_root' })
    expect(typeof lab.load).toBe('function')
    expect(typeof lab.authenticate).toBe('function')
  })
})
