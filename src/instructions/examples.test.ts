import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { loadConfig } from '../config/load-config.js'
import { loadWorkshopContent } from './load-content.js'
import { renderInstructions } from './render.js'
import { expectSafeHtml, startTags } from './testing.js'
import { instructionVariables } from '../domain/session-variables.js'

const portalDir = fileURLToPath(new URL('../../examples/portal/', import.meta.url))

describe('examples/portal workshop content', async () => {
  const config = await loadConfig(portalDir)
  const workshops = config.portal.workshops.map((w) => w.workshop)

  it.each(workshops.map((w) => [w.name, w] as const))(
    '%s renders every page with no error note',
    async (_, w) => {
      const content = await loadWorkshopContent(w.directory)
      expect(content.warnings).toEqual([])
      expect(content.pages.length).toBeGreaterThanOrEqual(2)
      expect(path.basename(content.pages[0]!.file)).toBe('01-intro.md')
      const vars = instructionVariables({
        sessionName: 'labgate-sample-w01-s001',
        environmentName: 'labgate-sample-w01',
        workshopName: w.name,
        portalName: config.portal.name,
        configPassword: 'secret',
        params: Object.fromEntries(w.requestParameters.map((p) => [p.name, p.value ?? 'GENERATED0001'])),
        workshopEnv: w.env,
      })
      for (const page of content.pages) {
        const r = renderInstructions(content, page.id, vars)
        expectSafeHtml(r.html)
        expect(r.html, page.file).not.toContain('lg-action-error')
        expect(r.title).not.toBe(path.basename(page.file))
        // Every %name% in prose is a known variable (shell's %{…} and printf's %s are not references).
        expect(r.html.match(/%[A-Za-z_][A-Za-z0-9_]*%/g), page.file).toBeNull()
      }
    },
  )

  it('use clickable actions and variables', async () => {
    const actions: Record<string, string>[] = []
    let prose = ''
    for (const w of workshops) {
      const content = await loadWorkshopContent(w.directory)
      for (const page of content.pages) {
        prose += page.markdown
        const html = renderInstructions(content, page.id, { session_name: 'S' }).html
        actions.push(
          ...startTags(html)
            .filter((t) => t.attrs['data-action'] !== undefined)
            .map((t) => t.attrs),
        )
      }
    }
    const commands = actions
      .filter((a) => a['data-action'] === 'terminal:execute')
      .map((a) => a['data-command'])
    expect(commands).toEqual(
      expect.arrayContaining([
        'ls -la',
        'echo "$SESSION_NAME"',
        'python3 -m http.server 8000 --bind 127.0.0.1 --directory ~/site',
      ]),
    )
    expect(actions).toContainEqual({
      class: 'lg-action',
      'data-action': 'terminal:interrupt',
      'data-terminal': '2',
    })
    expect(actions.some((a) => a['data-action'] === 'copy')).toBe(true)
    expect(prose).toContain('%session_name%')
  })
})
