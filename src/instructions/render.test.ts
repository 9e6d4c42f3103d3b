import { describe, expect, it } from 'vitest'
import { LabgateError } from '../domain/errors.js'
import { renderInstructions, renderPage, renderToc } from './render.js'
import { expectSafeHtml, startTags } from './testing.js'

const hostile = '"><img src=x onerror=alert(1)><script>alert(2)</script>'
const vars: Record<string, string> = {
  session_name: 'lab-w01-s001',
  evil: hostile,
  js: 'javascript:alert(1)',
  SITE_TITLE: 'My first site',
}

/** Renders, checks the fragment's invariants, and returns it. */
function render(markdown: string, v: Record<string, string> = vars): string {
  const html = renderPage(markdown, v)
  expectSafeHtml(html)
  return html
}

describe('renderPage: raw HTML', () => {
  it('shows a script element as text', () => {
    const html = render('<script>alert(1)</script>\n\nand inline <script>alert(2)</script>')
    expect(html).not.toContain('<script')
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;')
  })

  it('shows an img with an event handler as text', () => {
    const html = render('<img src=x onerror=alert(1)>\n\ntext <img src=x onerror="alert(1)"> more')
    expect(startTags(html).filter((t) => t.name === 'img')).toEqual([])
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;')
  })

  it('shows other active markup as text', () => {
    for (const src of [
      '<iframe src="x.html"></iframe>',
      '<svg onload=alert(1)>',
      '<a href="javascript:x">a</a>',
    ]) {
      const html = render(src)
      expect(startTags(html).map((t) => t.name)).toEqual(['p'])
    }
  })
})

describe('renderPage: links', () => {
  it.each([
    '[x](javascript:alert(1))',
    '[x](JaVaScRiPt:alert(1))',
    '[x](  javascript:alert(1))',
    '[x](javascript&#58;alert(1))',
    '[x](javascript&colon;alert(1))',
    '[x](&#106;avascript:alert(1))',
    '[x](<javascript:alert(1)>)',
    '[x](vbscript:msgbox(1))',
    '[x](data:text/html,<script>alert(1)</script>)',
    '[x](data:image/png;base64,AAAA)',
    '[x](file:///etc/passwd)',
    '[x][r]\n\n[r]: javascript:alert(1)',
    '<javascript:alert(1)> x',
    '[x](%js%)',
    '[x]({{ js }})',
  ])('%s is not a link', (src) => {
    const html = render(src)
    expect(startTags(html).filter((t) => t.name === 'a')).toEqual([])
    expect(html).toContain('x')
  })

  it('an encoded control character cannot smuggle a scheme', () => {
    const html = render('[x](java&#x09;script:alert(1)) [y](java%0Ascript:alert(1))')
    for (const a of startTags(html).filter((t) => t.name === 'a')) expect(a.attrs.href).not.toMatch(/^java/i)
  })

  it('allows http(s), mailto and relative links; external ones open in a new tab', () => {
    const html = render(
      '[a](https://example.com/) [b](http://example.com/x) [c](mailto:lab@example.com) [d](other-page) [e](/x) [f](//example.net/)',
    )
    const links = startTags(html).filter((t) => t.name === 'a')
    expect(links.map((l) => l.attrs)).toEqual([
      { href: 'https://example.com/', target: '_blank', rel: 'noopener noreferrer' },
      { href: 'http://example.com/x', target: '_blank', rel: 'noopener noreferrer' },
      { href: 'mailto:lab@example.com' },
      { href: 'other-page' },
      { href: '/x' },
      { href: '//example.net/', target: '_blank', rel: 'noopener noreferrer' },
    ])
  })

  it('linkifies only URLs with a scheme, not file names', () => {
    const html = render(
      'See https://example.com/docs and notes.md, run.sh, www.example.com, lab@example.com.',
    )
    expect(startTags(html).filter((t) => t.name === 'a')).toEqual([
      {
        name: 'a',
        attrs: { href: 'https://example.com/docs', target: '_blank', rel: 'noopener noreferrer' },
      },
    ])
  })

  it('fills variables into a destination, encoded, and checks it afterwards', () => {
    const html = render(
      '[a](<https://example.com/%session_name%/{{ SITE_TITLE }}>) [b](https://example.com/%evil%)',
    )
    const [a, b] = startTags(html).filter((t) => t.name === 'a')
    expect(a!.attrs.href).toBe('https://example.com/lab-w01-s001/My%20first%20site')
    expect(b!.attrs.href).toBe(
      'https://example.com/%22%3E%3Cimg%20src=x%20onerror=alert(1)%3E%3Cscript%3Ealert(2)%3C/script%3E',
    )
  })

  it('keeps an unknown reference in a destination as written (encoded)', () => {
    const html = render('[a](/x/%nope%/)')
    expect(startTags(html).find((t) => t.name === 'a')!.attrs.href).toBe('/x/%25nope%25/')
  })

  it('a variable value that is a URL does not become a link', () => {
    expect(startTags(render('%url%', { url: 'https://evil.example/' })).map((t) => t.name)).toEqual(['p'])
  })
})

describe('renderPage: images', () => {
  it('loads http(s) and relative images', () => {
    const imgs = startTags(render('![a](https://example.com/a.png) ![b](b.png)')).filter(
      (t) => t.name === 'img',
    )
    expect(imgs.map((i) => i.attrs.src)).toEqual(['https://example.com/a.png', 'b.png'])
  })

  it.each([
    '![x](data:image/png;base64,iVBORw0KGgo=)',
    '![x](data:image/svg+xml,<svg onload=alert(1)>)',
    '![x](javascript:alert(1))',
    '![x](mailto:a@b.c)',
    '![x](%js%)',
  ])('%s is refused', (src) => {
    const html = render(src)
    expect(startTags(html).filter((t) => t.name === 'img')).toEqual([])
    expect(html).toContain('x')
  })
})

describe('renderPage: variables', () => {
  it('fills %name% and {{ name }} with optional spaces', () => {
    const html = render('Session %session_name%, {{session_name}}, {{ session_name }}, {{   SITE_TITLE }}.')
    expect(html).toBe('<p>Session lab-w01-s001, lab-w01-s001, lab-w01-s001, My first site.</p>\n')
  })

  it('leaves unknown references and lookalikes alone', () => {
    const html = render(
      '%nope% {{ nope }} %constructor% {{ toString }} 100%% %{http_code} {{ .Values.x }} date +%Y%m%d',
    )
    expect(html).toBe(
      '<p>%nope% {{ nope }} %constructor% {{ toString }} 100%% %{http_code} {{ .Values.x }} date +%Y%m%d</p>\n',
    )
  })

  it('inserts a hostile value as text in prose, headings, emphasis, inline code and code blocks', () => {
    const html = render(
      '# T %evil%\n\n*%evil%* `%evil%`\n\n```bash\necho %evil%\n```\n\n    indented %evil%\n',
    )
    expect(startTags(html).map((t) => t.name)).toEqual([
      'h1',
      'p',
      'em',
      'code',
      'pre',
      'code',
      'pre',
      'code',
    ])
    expect(html).toContain(
      '&quot;&gt;&lt;img src=x onerror=alert(1)&gt;&lt;script&gt;alert(2)&lt;/script&gt;',
    )
  })

  it('a value is not Markdown: it cannot add structure or links', () => {
    const html = render('%v%', { v: '**bold** [l](https://x.example/)\n# heading' })
    expect(startTags(html).map((t) => t.name)).toEqual(['p'])
  })

  it('a value is not expanded again', () => {
    expect(render('%a%', { a: '%b%', b: 'no' })).toBe('<p>%b%</p>\n')
  })

  it('fills a link title and image alt text as text', () => {
    const tags = startTags(render('[a](/x "t %evil%") ![alt %evil%](/i.png)'))
    expect(tags.find((t) => t.name === 'a')!.attrs.title).toBe(`t ${hostile}`)
    expect(tags.find((t) => t.name === 'img')!.attrs.alt).toBe(`alt ${hostile}`)
  })
})

describe('renderPage: code', () => {
  it('renders an ordinary code block with its language class', () => {
    expect(render('```bash\nls -la\n```')).toBe('<pre><code class="language-bash">ls -la\n</code></pre>\n')
  })

  it('escapes a hostile info string', () => {
    const html = render('```x"onmouseover="alert(1)\ncode\n```')
    expect(startTags(html).find((t) => t.name === 'code')!.attrs).toEqual({
      class: 'language-x"onmouseover="alert(1)',
    })
  })
})

describe('renderPage: action blocks', () => {
  const action = (md: string) => startTags(render(md)).find((t) => t.name === 'div')
  it('renders a hostile value escaped in data attributes and the shown code', () => {
    const html = render('```terminal:execute\ncommand: echo %evil%\n```')
    expect(action('```terminal:execute\ncommand: echo %evil%\n```')!.attrs['data-command']).toBe(
      `echo ${hostile}`,
    )
    expect(startTags(html).map((t) => t.name)).toEqual(['div', 'pre', 'code'])
  })

  it('renders a hostile value in copy text and an open-url', () => {
    expect(action('```copy\n%evil%\n```')!.attrs['data-text']).toBe(hostile)
    expect(action('```copy\ntext: "%evil%"\n```')!.attrs['data-text']).toBe(hostile)
    expect(action('```dashboard:open-url\nurl: https://x.example/?q=%evil%\n```')!.attrs['data-url']).toBe(
      'https://x.example/?q=%22%3E%3Cimg%20src=x%20onerror=alert(1)%3E%3Cscript%3Ealert(2)%3C/script%3E',
    )
  })

  it('bad YAML renders as inert code with an error note, never throws', () => {
    for (const body of ['command: [unclosed', 'a: 1\na: 2', ': :', '\t- x', '*alias', '{']) {
      const html = render('```terminal:execute\n' + body + '\n```')
      expect(html).toContain('lg-action-error')
      expect(html).not.toContain('data-action')
    }
  })
})

describe('renderPage: robustness', () => {
  it('never throws and keeps its invariants on random Markdown-ish junk', () => {
    const alphabet = [
      ...'`*_[]()<>!#%{}:"\'&;\n -=|~\\/',
      'javascript:',
      'data:',
      'http://',
      '```terminal:execute\n',
      '```copy\n',
      '```dashboard:open-url\n',
      'command: ',
      'url: ',
      '%evil%',
      '{{ js }}',
      '<script>',
      'onerror=',
      '&#58;',
      '    ',
    ]
    let seed = 42
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31)
    for (let i = 0; i < 400; i++) {
      let src = ''
      const n = next() % 60
      for (let j = 0; j < n; j++) src += alphabet[next() % alphabet.length]
      render(src)
    }
  })
})

describe('renderToc', () => {
  it('links every page and marks the current one, all escaped', () => {
    const html = renderToc(
      [
        { id: 'intro', title: 'Intro <b>' },
        { id: 'next', title: 'Next' },
      ],
      'next',
    )
    expect(html).toBe(
      '<nav class="lg-toc"><ol><li><a href="?page=intro">Intro &lt;b&gt;</a></li>' +
        '<li><a href="?page=next" aria-current="page">Next</a></li></ol></nav>',
    )
    expect(renderToc([{ id: 'a', title: 'A' }], undefined, (id) => `#/${id}"`)).toContain('href="#/a&quot;"')
  })
})

describe('renderInstructions', () => {
  const content = {
    pages: [
      { id: 'intro', title: 'Hello %session_name%', markdown: '# Hello %session_name%\n', file: 'a' },
      { id: 'middle', title: 'Middle', markdown: 'm', file: 'b' },
      { id: 'end', title: 'End', markdown: 'e', file: 'c' },
    ],
  }
  const toc = [
    { id: 'intro', title: 'Hello lab-w01-s001' },
    { id: 'middle', title: 'Middle' },
    { id: 'end', title: 'End' },
  ]

  it('renders the first page by default, with no previous page', () => {
    const r = renderInstructions(content, undefined, vars)
    expect(r).toEqual({
      id: 'intro',
      html: '<h1>Hello lab-w01-s001</h1>\n',
      title: 'Hello lab-w01-s001',
      next: 'middle',
      toc,
    })
    expect(r.prev).toBeUndefined()
  })

  it('gives the neighbours of a middle and a last page', () => {
    expect(renderInstructions(content, 'middle', vars)).toMatchObject({ prev: 'intro', next: 'end' })
    const last = renderInstructions(content, 'end', vars)
    expect(last).toMatchObject({ id: 'end', prev: 'middle', html: '<p>e</p>\n' })
    expect(last.next).toBeUndefined()
  })

  it('an unknown page is not_found', () => {
    for (const id of ['nope', '', '__proto__', 'constructor']) {
      expect(() => renderInstructions(content, id, vars)).toThrow(LabgateError)
      try {
        renderInstructions(content, id, vars)
      } catch (err) {
        expect((err as LabgateError).code).toBe('not_found')
      }
    }
  })
})
