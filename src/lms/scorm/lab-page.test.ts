import { runInNewContext } from 'node:vm'
import { describe, expect, it } from 'vitest'
import { labPage, scriptLiteral } from './lab-page.js'

const NASTY = `</script><script>alert("x")</script>\u2028'&`
const page = (o: Partial<Parameters<typeof labPage>[0]> = {}) =>
  labPage({
    title: 'Intro',
    labId: 'intro',
    basePath: '/moodle/blocks/',
    extension: '.php',
    scriptSrc: 'labgate.js',
    ...o,
  })

/** The page's inline script (the one without `src`). */
const inlineScript = (html: string) => /<script>([\s\S]*?)<\/script>/.exec(html)![1]!

/** Records what a SCO asks of the LMS's SCORM 1.2 API; starts with lesson status `status`. */
class RecordingScormApi {
  calls: string[] = []
  constructor(
    public status = 'not attempted',
    private initializes = true,
  ) {}
  LMSInitialize(arg: string) {
    this.calls.push(`LMSInitialize(${arg})`)
    return String(this.initializes)
  }
  LMSGetValue(element: string) {
    this.calls.push(`LMSGetValue(${element})`)
    return this.status
  }
  LMSSetValue(element: string, value: string) {
    this.calls.push(`LMSSetValue(${element}, ${value})`)
    this.status = value
    return 'true'
  }
  LMSCommit(arg: string) {
    this.calls.push(`LMSCommit(${arg})`)
    return 'true'
  }
  LMSFinish(arg: string) {
    this.calls.push(`LMSFinish(${arg})`)
    return 'true'
  }
}

/** A browser window as the page's script sees it: its events, its frames, and labgate.js's Laboratory. */
function runPage(html: string, frames: { parent?: object; opener?: object } = {}) {
  const listeners = new Map<string, (() => void)[]>()
  const labs: { basePath: string; extension: string; loaded?: string }[] = []
  const window: Record<string, unknown> = {
    addEventListener: (type: string, f: () => void) =>
      listeners.set(type, [...(listeners.get(type) ?? []), f]),
    opener: frames.opener ?? null,
  }
  window.parent = frames.parent ?? window
  class Laboratory {
    lab: (typeof labs)[number]
    constructor(basePath: string, extension: string) {
      this.lab = { basePath, extension }
      labs.push(this.lab)
    }
    load(id: string) {
      this.lab.loaded = id
    }
  }
  runInNewContext(inlineScript(html), { window, Laboratory })
  const fire = (type: string) => listeners.get(type)?.forEach((f) => f())
  return { fire, labs }
}

describe('labPage', () => {
  it('escapes the title, the script URL and the values its script reads', () => {
    const html = page({ title: `<b>"T" & 'x'</b>`, labId: NASTY, basePath: '/a"b/', scriptSrc: 'x".js' })
    expect(html).toContain('<title>&lt;b&gt;&quot;T&quot; &amp; &#39;x&#39;&lt;/b&gt;</title>')
    expect(html).toContain('<script src="x&quot;.js"></script>')
    expect(html.match(/<\/script>/g)).toHaveLength(2)
    expect(inlineScript(html)).not.toContain('\u2028')
    const { fire, labs } = runPage(html)
    fire('load')
    expect(labs).toEqual([{ basePath: '/a"b/', extension: '.php', loaded: NASTY }])
    expect(html).toContain('<div id="gateway4labs_root"></div>')
  })

  it('writes JSON that needs no HTML escaping inside a script', () => {
    expect(scriptLiteral({ a: '</script>&\u2029' })).toBe('{"a":"\\u003c/script\\u003e\\u0026\\u2029"}')
    expect(JSON.parse(scriptLiteral({ a: '</script>&\u2029' }))).toEqual({ a: '</script>&\u2029' })
  })
})

describe("the page's SCORM 1.2 runtime", () => {
  it('finds the API in a parent frame, starts the attempt as incomplete, and finishes it once on leaving', () => {
    const api = new RecordingScormApi()
    const top: Record<string, unknown> = { API: api }
    top.parent = top
    const middle = { parent: top }
    const { fire, labs } = runPage(page(), { parent: middle })
    fire('load')
    expect(api.calls).toEqual([
      'LMSInitialize()',
      'LMSGetValue(cmi.core.lesson_status)',
      'LMSSetValue(cmi.core.lesson_status, incomplete)',
      'LMSCommit()',
    ])
    expect(labs).toEqual([{ basePath: '/moodle/blocks/', extension: '.php', loaded: 'intro' }])
    fire('pagehide')
    fire('unload')
    expect(api.calls.slice(4)).toEqual(['LMSCommit()', 'LMSFinish()'])
  })

  it('never lowers a status the LMS has, and finds the API of the window that opened it', () => {
    const api = new RecordingScormApi('completed')
    const opener: Record<string, unknown> = { API: api }
    opener.parent = opener
    const { fire } = runPage(page(), { opener })
    fire('load')
    expect(api.calls).not.toContain('LMSSetValue(cmi.core.lesson_status, incomplete)')
    expect(api.status).toBe('completed')
  })

  it('opens the lab without an API, past a frame of another origin, or when the API will not start', () => {
    const plain = runPage(page())
    plain.fire('load')
    plain.fire('pagehide')
    expect(plain.labs[0]?.loaded).toBe('intro')

    const foreign = {
      get API(): never {
        throw new Error('SecurityError: cross-origin frame')
      },
    }
    const behind = runPage(page(), { parent: foreign })
    behind.fire('load')
    expect(behind.labs[0]?.loaded).toBe('intro')

    const refusing = new RecordingScormApi('not attempted', false)
    const top: Record<string, unknown> = { API: refusing }
    top.parent = top
    const refused = runPage(page(), { parent: top })
    refused.fire('load')
    refused.fire('pagehide')
    expect(refusing.calls).toEqual(['LMSInitialize()'])
    expect(refused.labs[0]?.loaded).toBe('intro')
  })
})
