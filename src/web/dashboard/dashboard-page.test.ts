import { describe, expect, it } from 'vitest'
import { CLASS, ID } from './dashboard-ids.js'
import { dashboardPage, type DashboardView } from './dashboard-page.js'
import { dashboardModules } from './static-files.js'

const view: DashboardView = {
  sessionName: 'lab-w01-s001',
  workshopTitle: 'Shell basics',
  state: 'RUNNING',
  owner: 'learner-1',
  base: '/sessions/lab-w01-s001/',
  finishUrl: 'https://hub.test/?notification=session-deleted',
  instructions: {
    html: '<h1>Welcome</h1>',
    title: 'Welcome',
    page: '01',
    next: '02',
    toc: [
      { id: '01', title: 'Welcome' },
      { id: '02', title: 'Next' },
    ],
  },
  apps: [{ name: 'editor', port: 8080 }],
  extendable: true,
  expires: '2026-01-01T00:00:00.000Z',
}

describe('dashboard page', () => {
  const page = dashboardPage(view)

  it('renders exactly the element ids its browser code looks up', () => {
    const ids = [...page.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1])
    expect(ids.sort()).toEqual(Object.values(ID).sort())
  })

  it('renders the shared class names', () => {
    expect(page).toContain(`class="${CLASS.tab}" data-app="editor"`)
  })

  it('loads its code as preloaded ES modules from its own origin, with no inline script', () => {
    const s = '/sessions/lab-w01-s001/_labgate/static/'
    const scripts = [...page.matchAll(/<script([^>]*)>([^<]*)<\/script>/g)]
    expect(scripts.map((m) => m[1]!.trim())).toEqual([
      `src="${s}xterm.js"`,
      `src="${s}addon-fit.js"`,
      `type="module" src="${s}main.js"`,
    ])
    expect(scripts.every((m) => m[2]!.trim() === '')).toBe(true)
    const preloaded = [...page.matchAll(/<link rel="modulepreload" href="([^"]+)"/g)].map((m) => m[1])
    expect(preloaded).toEqual(dashboardModules().map((m) => `${s}${m}`))
    expect(dashboardModules()[0]).toBe('main.js')
  })
})
