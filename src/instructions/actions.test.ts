import { describe, expect, it } from 'vitest'
import { actionSyntax, parseAction, renderAction } from './actions.js'
import { renderPage } from './render.js'
import { expectSafeHtml } from './testing.js'

const vars = { session_name: 'lab-s1', evil: '"><img src=x onerror=alert(1)>' }
const block = (info: string, body: string) => {
  const html = renderPage('```' + info + '\n' + body + '```\n', vars)
  expectSafeHtml(html)
  return html
}

describe('action blocks: the HTML contract', () => {
  it('terminal:execute: data-action, data-terminal, data-command', () => {
    expect(block('terminal:execute', 'command: echo "Hello"\nsession: 2\n')).toBe(
      '<div class="lg-action" data-action="terminal:execute" data-terminal="2" data-command="echo &quot;Hello&quot;">' +
        '<pre><code>echo &quot;Hello&quot;</code></pre></div>\n',
    )
  })

  it('terminal:execute runs in terminal 1 by default; a multi-line command keeps its lines', () => {
    expect(block('terminal:execute', 'command: |\n  cd /tmp\n  ls -la\n')).toBe(
      '<div class="lg-action" data-action="terminal:execute" data-terminal="1" data-command="cd /tmp\nls -la">' +
        '<pre><code>cd /tmp\nls -la</code></pre></div>\n',
    )
  })

  it('terminal:interrupt: data-action and data-terminal only', () => {
    expect(block('terminal:interrupt', 'session: 1\n')).toBe(
      '<div class="lg-action" data-action="terminal:interrupt" data-terminal="1">' +
        '<pre><code>&lt;ctrl+c&gt;</code></pre></div>\n',
    )
    expect(block('terminal:interrupt', '')).toContain('data-terminal="1"')
    expect(block('terminal:interrupt', 'session: build\n')).toContain('data-terminal="build"')
  })

  it('copy: the YAML text, or the plain body', () => {
    const expected =
      '<div class="lg-action" data-action="copy" data-text="some text"><pre><code>some text</code></pre></div>\n'
    expect(block('copy', 'text: some text\n')).toBe(expected)
    expect(block('copy', 'some text\n')).toBe(expected)
    expect(block('copy', 'two\nlines\n')).toContain('data-text="two\nlines"')
    // A plain body that is not valid YAML is just text.
    expect(block('copy', 'kubectl get pods -o jsonpath={.items[*]}\n')).toContain(
      'data-text="kubectl get pods -o jsonpath={.items[*]}"',
    )
  })

  it('copy-and-edit and workshop:copy are copies', () => {
    for (const info of ['copy-and-edit', 'workshop:copy', 'workshop:copy-and-edit']) {
      expect(block(info, 'text: x\n')).toBe(
        '<div class="lg-action" data-action="copy" data-text="x"><pre><code>x</code></pre></div>\n',
      )
    }
  })

  it('dashboard:open-url: data-url, http(s) only, in the browser spelling', () => {
    expect(block('dashboard:open-url', 'url: https://example.com/\n')).toBe(
      '<div class="lg-action" data-action="dashboard:open-url" data-url="https://example.com/">' +
        '<pre><code>https://example.com/</code></pre></div>\n',
    )
    expect(block('dashboard:open-url', 'url: HTTP://Example.COM\n')).toContain(
      'data-url="http://example.com/"',
    )
    for (const url of [
      'javascript:alert(1)',
      ' javascript:alert(1)',
      'data:text/html,x',
      'file:///etc/passwd',
      '/relative',
      'example.com',
      'ftp://example.com/',
      '',
    ]) {
      const html = block('dashboard:open-url', `url: "${url}"\n`)
      expect(html, url).toContain('class="lg-action-error"')
      expect(html, url).not.toContain('data-')
    }
  })

  it('classic execute blocks carry the command as their body', () => {
    expect(block('execute', 'ls -la\n')).toContain(
      'data-action="terminal:execute" data-terminal="1" data-command="ls -la"',
    )
    expect(block('execute-2', 'top\n')).toContain('data-terminal="2" data-command="top"')
  })

  it('only the first word of the info string counts', () => {
    expect(block('terminal:execute {.x}', 'command: ls\n')).toContain('data-command="ls"')
    expect(block('terminal', 'command: ls\n')).toBe(
      '<pre><code class="language-terminal">command: ls\n</code></pre>\n',
    )
  })

  it('works inside a list and with a tilde fence', () => {
    const html = renderPage('1. Run:\n\n   ~~~terminal:execute\n   command: ls\n   ~~~\n', vars)
    expect(html).toContain(
      '<div class="lg-action" data-action="terminal:execute" data-terminal="1" data-command="ls">',
    )
  })
})

describe('action blocks: variables', () => {
  it('fills variables into values after parsing, so a value cannot add YAML keys', () => {
    const html = renderPage('```terminal:execute\ncommand: echo %x%\n```\n', {
      x: 'a\nsession: 9\ncommand: rm -rf ~',
    })
    expect(html).toContain('data-terminal="1" data-command="echo a\nsession: 9\ncommand: rm -rf ~"')
  })

  it('escapes a hostile value in every attribute and in the code', () => {
    const hostileOut = '&quot;&gt;&lt;img src=x onerror=alert(1)&gt;'
    expect(block('terminal:execute', 'command: echo %evil%\n')).toContain(`data-command="echo ${hostileOut}"`)
    expect(block('copy', '{{ evil }}\n')).toContain(
      `data-text="${hostileOut}"><pre><code>${hostileOut}</code>`,
    )
    expect(block('terminal:execute', 'command: ls\nsession: "%evil%"\n')).toContain('lg-action-error')
  })

  it('a variable may name the terminal, which must still be a terminal name', () => {
    expect(renderPage('```terminal:interrupt\nsession: "%t%"\n```\n', { t: '2' })).toContain(
      'data-terminal="2"',
    )
    expect(renderPage('```terminal:interrupt\nsession: "%t%"\n```\n', { t: '../x' })).toContain(
      'lg-action-error',
    )
  })
})

/** Ten levels of ten aliases each: 10^9 nodes once expanded. */
function aliasBomb(): string {
  let yaml = 'l0: &l0 [x]\n'
  for (let i = 1; i < 10; i++)
    yaml += `l${i}: &l${i} [${Array(10)
      .fill(`*l${i - 1}`)
      .join(', ')}]\n`
  return yaml + 'url: https://example.com/\n'
}

describe('action blocks: errors are inert notes', () => {
  it.each([
    ['terminal:execute', 'command: [unclosed\n', 'invalid YAML'],
    ['terminal:execute', 'command: "unterminated\n', 'invalid YAML'],
    ['terminal:execute', 'session: 1\nsession: 2\ncommand: ls\n', 'invalid YAML'],
    ['terminal:execute', 'ls -la\n', 'must be YAML keys'],
    ['terminal:execute', 'session: 1\n', 'command is required'],
    ['terminal:execute', '', 'command is required'],
    ['terminal:execute', 'command: [a, b]\n', 'command must be a single value'],
    ['terminal:execute', 'command: {a: 1}\n', 'command must be a single value'],
    ['terminal:execute', 'command: ls\nsession: "a b"\n', 'session must be a terminal name'],
    ['terminal:interrupt', '- 1\n', 'must be YAML keys'],
    ['dashboard:open-url', 'url: javascript:alert(1)\n', 'url must be an absolute http(s) URL'],
    ['dashboard:open-url', aliasBomb(), 'invalid YAML: Excessive alias count'],
    ['execute', '\n', 'no command'],
  ])('%s %j: %s', (info, body, why) => {
    const html = block(info, body)
    expect(html).toMatch(
      /^<div class="lg-action-invalid"><pre><code>[^]*<\/code><\/pre><p class="lg-action-error">This action cannot run: [^<]*\.<\/p><\/div>\n$/,
    )
    expect(html).toContain(why)
    expect(html).not.toContain('data-')
  })

  it('parseAction never throws on odd bodies', () => {
    const syntax = actionSyntax('terminal:execute')!
    for (const body of [
      '!!binary x',
      '? [a]\n: b',
      'command: !!js/function x',
      '\u0000',
      '---\n---\n',
      'x'.repeat(10000),
    ]) {
      expect(() => renderAction(parseAction(syntax, body, {}))).not.toThrow()
    }
  })
})
