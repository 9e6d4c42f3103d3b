import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { dashboardModules, loadStaticFiles } from './static-files.js'

describe('dashboard static files', () => {
  const files = loadStaticFiles()

  it('serves xterm.js, its fit addon, the stylesheets and every dashboard module as JavaScript', () => {
    for (const name of ['xterm.js', 'addon-fit.js', 'xterm.css', 'dashboard.css', ...dashboardModules()])
      expect(files.get(name)?.body.length, name).toBeGreaterThan(0)
    for (const name of dashboardModules())
      expect(files.get(name)?.type).toBe('text/javascript; charset=utf-8')
    expect(dashboardModules()).toEqual(expect.arrayContaining(['main.js', 'protocol.js', 'ids.js']))
  })

  it('serves every module the dashboard modules import (the graph is closed under one flat folder)', () => {
    for (const name of dashboardModules()) {
      const text = files.get(name)!.body.toString('utf8')
      for (const [, spec] of text.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+'([^']+)'/gm)) {
        expect(spec, `${name} imports ${spec}`).toMatch(/^\.\/[^/]+\.js$/)
        expect(files.has(spec!.slice(2)), `${name} imports ${spec}`).toBe(true)
      }
    }
  })

  it('serves the modules shared with the server from the server code itself', () => {
    const shared = {
      'protocol.js': new URL('../../terminals/protocol-shared.js', import.meta.url),
      'ids.js': new URL('./dashboard-ids.js', import.meta.url),
    }
    for (const [name, url] of Object.entries(shared))
      expect(files.get(name)!.body.toString('utf8')).toBe(readFileSync(url, 'utf8'))
  })
})
