import { readdir } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { loadConfig } from './load-config.js'

const examples = fileURLToPath(new URL('../../examples/', import.meta.url))

describe('examples/', () => {
  it('examples/portal loads with no warnings: the quick-start portal', async () => {
    const config = await loadConfig(path.join(examples, 'portal'))
    expect(config.warnings).toEqual([])
    const { portal } = config
    expect(portal).toMatchObject({
      name: 'labgate-sample',
      maximum: 20,
      registered: 3,
      anonymous: 3,
      robot: {},
      labgate: { allowedIndexOrigins: [] },
    })
    expect(portal.webhookUrl).toBeUndefined()
    expect(portal.labgate.lms).toEqual([
      {
        name: 'moodle',
        lti13: {
          issuer: 'http://localhost:8000',
          clientId: 'example-client-id',
          deploymentIds: ['1'],
          authUrl: 'http://localhost:8000/mod/lti/auth.php',
          tokenUrl: 'http://localhost:8000/mod/lti/token.php',
          jwksUrl: 'http://localhost:8000/mod/lti/certs.php',
        },
        labs: [{ id: 'intro-shell', workshop: 'shell-basics', timeAllowed: 1800 }],
        timeZone: 'UTC',
      },
      {
        name: 'moodle-g4l',
        timeZone: 'Europe/Madrid',
        basicHttp: {
          username: 'moodle-g4l',
          password: 'example-password-change-me',
          coursesUrl: 'http://localhost:8000/blocks/gateway4labs/lms/list.php',
          coursesUsername: 'labmanager',
          coursesPassword: 'example-courses-password-change-me',
        },
        labs: [
          {
            id: 'shell',
            workshop: 'shell-basics',
            timeAllowed: 2700,
            windows: [{ weekdays: [1, 2, 3, 4, 5], startTime: '08:00', endTime: '20:00' }],
            courses: [
              { contextId: '101', timeAllowed: 1200 },
              { contextId: '102', timeAllowed: 600, priority: 5 },
            ],
          },
        ],
      },
    ])
    expect(portal.labgate.remoteLabs).toEqual([])
    const byName = new Map(portal.workshops.map((w) => [w.workshop.name, w]))
    expect([...byName.keys()].sort()).toEqual(['python-http-server', 'shell-basics'])
    // The short one can be extended: 10 minutes, 5 more at a time, 30 at most.
    expect(byName.get('shell-basics')).toMatchObject({
      capacity: 10,
      expires: 600,
      overtime: 300,
      deadline: 1800,
    })
    const python = byName.get('python-http-server')
    expect(python?.workshop.requestParameters).toEqual([
      { name: 'SITE_TITLE', value: 'My first site' },
      { name: 'ACCESS_KEY', generate: { from: '[A-Z0-9]{12}' } },
    ])
    expect(python?.workshop.ingresses).toEqual([{ name: 'site', port: 8000 }])
    for (const w of portal.workshops) {
      expect(w.reserved).toBeGreaterThanOrEqual(1)
      expect(w.reserved).toBeLessThanOrEqual(2)
      expect(w.workshop.directory).toBe(path.join(examples, 'portal', 'workshops', w.workshop.name))
      const pages = (await readdir(path.join(w.workshop.directory, 'content'))).filter((f) =>
        f.endsWith('.md'),
      )
      expect(pages.length).toBeGreaterThanOrEqual(2)
      expect(pages[0]).toBe('01-intro.md')
    }
  })

  it('examples/legacy loads with no warnings: a v1alpha1 portal and workshop in one file', async () => {
    const config = await loadConfig(path.join(examples, 'legacy'))
    expect(config.warnings).toEqual([])
    expect(config.portal.workshops).toHaveLength(1)
    expect(config.portal.workshops[0]).toMatchObject({ capacity: 3, reserved: 1, initial: 1 })
  })
})
