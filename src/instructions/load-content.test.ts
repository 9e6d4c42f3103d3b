import { mkdir, mkdtemp, rm, symlink, utimes, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { CONTENT_LIMITS, loadWorkshopContent } from './load-content.js'
import { comparePagePaths, pageIds, titleFromFileName } from './page-meta.js'

let tmp: string
let workshop: string
let content: string

beforeEach(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'labgate-content-'))
  workshop = path.join(tmp, 'workshop')
  content = path.join(workshop, 'content')
  await mkdir(content, { recursive: true })
})
afterEach(async () => {
  await rm(tmp, { recursive: true, force: true })
})

async function write(files: Record<string, string>, base = content): Promise<void> {
  for (const [name, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(base, name)), { recursive: true })
    await writeFile(path.join(base, name), text)
  }
}

const URL_SAFE = /^[a-z0-9][-a-z0-9]*$/

describe('loadWorkshopContent: order, ids, titles', () => {
  it('orders pages by path with numbers by value, skipping hidden and non-Markdown files', async () => {
    await write({
      '10-y.md': '# Ten',
      '2-x.md': '# Two',
      '1-a.md': '# One',
      '03-part/02-b.md': '# Part b',
      '03-part/1-a.md': '# Part a',
      '.draft.md': '# Hidden',
      '.hidden/1.md': '# Hidden dir',
      'notes.txt': 'not a page',
      'image.png': 'x',
    })
    const { pages } = await loadWorkshopContent(workshop)
    expect(pages.map((p) => [p.id, p.title, path.relative(content, p.file)])).toEqual([
      ['a', 'One', '1-a.md'],
      ['x', 'Two', '2-x.md'],
      ['part-a', 'Part a', path.join('03-part', '1-a.md')],
      ['part-b', 'Part b', path.join('03-part', '02-b.md')],
      ['y', 'Ten', '10-y.md'],
    ])
  })

  it('gives unique, URL-safe ids, suffixed in page order on a clash', async () => {
    await write({
      '1-setup.md': 'a',
      '2-setup.md': 'b',
      'Über Café!.md': 'c',
      '3-.md': 'd',
      '2023.md': 'e',
      '!!!.md': 'f',
      'setup-2.md': 'g',
    })
    const { pages } = await loadWorkshopContent(workshop)
    const ids = pages.map((p) => p.id)
    for (const id of ids) expect(id).toMatch(URL_SAFE)
    expect(new Set(ids).size).toBe(ids.length)
    expect(Object.fromEntries(pages.map((p) => [path.basename(p.file), p.id]))).toEqual({
      '!!!.md': 'page',
      '1-setup.md': 'setup',
      '2-setup.md': 'setup-2',
      '3-.md': '3',
      '2023.md': '2023',
      'setup-2.md': 'setup-2-2',
      'Über Café!.md': 'uber-cafe',
    })
  })

  it('takes the first level-1 heading, else the front matter title, else the file name', async () => {
    await write({
      '1-heading.md': '---\ntitle: Not this\n---\nIntro\n\n## Sub\n\n# The `curl` *tool*\n',
      '2-setext.md': 'Setext title\n============\n\nText\n',
      '3-front.md': '---\ntitle: From front matter\nweight: 3\n---\n\nNo heading here. ## not one\n',
      '4-fenced.md': '```md\n# not a heading\n```\n',
      '5-next-steps.md': 'Just text.',
    })
    const { pages } = await loadWorkshopContent(workshop)
    expect(pages.map((p) => p.title)).toEqual([
      'The curl tool',
      'Setext title',
      'From front matter',
      'Fenced',
      'Next steps',
    ])
  })

  it('strips front matter from the Markdown, and leaves a block that is not a mapping', async () => {
    await write({
      '1.md': '---\ntitle: T\n---\n# Body\n',
      '2.md': '---\r\ntitle: CRLF\r\n...\r\nBody\r\n',
      '3.md': '---\n- a list\n---\nBody\n',
      '4.md': '---\ntitle: [unclosed\n---\nBody\n',
      '5.md': '\uFEFF---\ntitle: BOM\n---\nBody\n',
    })
    const { pages, warnings } = await loadWorkshopContent(workshop)
    expect(pages.map((p) => p.markdown)).toEqual([
      '# Body\n',
      'Body\r\n',
      '---\n- a list\n---\nBody\n',
      '---\ntitle: [unclosed\n---\nBody\n',
      'Body\n',
    ])
    expect(pages.map((p) => p.title)).toEqual(['Body', 'CRLF', '3', '4', 'BOM'])
    expect(warnings).toEqual([
      'content/3.md: front matter is not a YAML mapping',
      expect.stringMatching(/^content\/4\.md: front matter: /),
    ])
  })

  it('without a content directory, or with no page in it, gives one page saying so', async () => {
    const standIn = {
      pages: [
        {
          id: 'instructions',
          title: 'Instructions',
          markdown: 'This workshop has no instructions.\n',
          file: '',
        },
      ],
      warnings: [],
    }
    expect(await loadWorkshopContent(path.join(tmp, 'no-such-workshop'))).toEqual(standIn)
    expect(await loadWorkshopContent(workshop)).toEqual(standIn)
    await write({ 'readme.txt': 'x' })
    expect(await loadWorkshopContent(workshop)).toEqual(standIn)
    await rm(content, { recursive: true })
    await writeFile(content, 'a file, not a directory')
    expect(await loadWorkshopContent(workshop)).toEqual(standIn)
  })

  it('returns frozen content', async () => {
    await write({ '1.md': '# A' })
    const c = await loadWorkshopContent(workshop)
    expect(Object.isFrozen(c.pages)).toBe(true)
    expect(Object.isFrozen(c.pages[0])).toBe(true)
  })
})

describe('loadWorkshopContent: symbolic links', () => {
  it('refuses a page that links out of the content directory', async () => {
    await write({ 'secret.md': '# Secret\n\nroot password' }, tmp)
    await write({ '1-ok.md': '# Ok' })
    await symlink(path.join(tmp, 'secret.md'), path.join(content, '2-escape.md'))
    await symlink('../../secret.md', path.join(content, '3-relative-escape.md'))
    const { pages, warnings } = await loadWorkshopContent(workshop)
    expect(pages.map((p) => p.title)).toEqual(['Ok'])
    expect(JSON.stringify(pages)).not.toContain('root password')
    expect(warnings).toEqual([
      'content/2-escape.md: a symbolic link out of the content directory: refused',
      'content/3-relative-escape.md: a symbolic link out of the content directory: refused',
    ])
  })

  it('refuses a directory that links out, even to the workshop directory', async () => {
    await write({ 'outside/1.md': '# Outside' }, tmp)
    await write({ 'workshop.md': '# Next to workshop.yaml' }, workshop)
    await symlink(path.join(tmp, 'outside'), path.join(content, 'linked'))
    await symlink('..', path.join(content, 'up'))
    const { pages, warnings } = await loadWorkshopContent(workshop)
    expect(pages.map((p) => p.id)).toEqual(['instructions'])
    expect(warnings).toHaveLength(2)
  })

  it('follows links within the content directory, and survives a loop', async () => {
    await write({ 'real/1-page.md': '# Real' })
    await symlink('real/1-page.md', path.join(content, '2-alias.md'))
    await symlink('.', path.join(content, 'real', 'loop'))
    await symlink('missing.md', path.join(content, '3-dangling.md'))
    const { pages, warnings } = await loadWorkshopContent(workshop)
    expect(pages.map((p) => [p.id, p.title])).toEqual([
      ['alias', 'Real'],
      ['real-page', 'Real'],
    ])
    expect(warnings).toEqual(['content/3-dangling.md: a symbolic link to nothing: ignored'])
  })

  it('refuses a content directory that is itself a link out of the workshop', async () => {
    await write({ '1.md': '# Elsewhere' }, path.join(tmp, 'elsewhere'))
    await rm(content, { recursive: true })
    await symlink(path.join(tmp, 'elsewhere'), content)
    const { pages, warnings } = await loadWorkshopContent(workshop)
    expect(pages.map((p) => p.id)).toEqual(['instructions'])
    expect(warnings).toEqual(['content: a symbolic link out of the workshop directory: refused'])
  })

  it('accepts a workshop directory reached through a link', async () => {
    await write({ '1.md': '# Linked' })
    await symlink(workshop, path.join(tmp, 'alias'))
    expect((await loadWorkshopContent(path.join(tmp, 'alias'))).pages[0]!.title).toBe('Linked')
  })
})

describe('loadWorkshopContent: limits and cache', () => {
  it('replaces a page over the size limit by a note', async () => {
    await write({ '1-big.md': '# Big\n' + 'x'.repeat(CONTENT_LIMITS.maxPageBytes), '2-ok.md': '# Ok' })
    const { pages, warnings } = await loadWorkshopContent(workshop)
    expect(pages[0]).toMatchObject({
      id: 'big',
      title: 'Big',
      markdown: '# Big\n\nThis page is too large to show.\n',
    })
    expect(pages[1]!.title).toBe('Ok')
    expect(warnings).toEqual([
      `content/1-big.md: larger than ${CONTENT_LIMITS.maxPageBytes} bytes: not shown`,
    ])
  })

  it('keeps the first pages up to the page limit', async () => {
    const files: Record<string, string> = {}
    for (let i = 1; i <= CONTENT_LIMITS.maxPages + 5; i++) files[`${i}-p.md`] = `# P${i}`
    await write(files)
    const { pages, warnings } = await loadWorkshopContent(workshop)
    expect(pages).toHaveLength(CONTENT_LIMITS.maxPages)
    expect(pages.at(-1)!.title).toBe(`P${CONTENT_LIMITS.maxPages}`)
    expect(warnings).toEqual([expect.stringContaining('more than 200')])
  })

  it('reuses the loaded content until a page changes, is added or removed', async () => {
    const look = { maxAgeMs: 0 } // look at the files every time
    await write({ '1.md': '# One', '2.md': '# Two' })
    const first = await loadWorkshopContent(workshop, look)
    expect(await loadWorkshopContent(workshop, look)).toBe(first)
    expect(await loadWorkshopContent(workshop + '/', look)).toBe(first)

    await writeFile(path.join(content, '1.md'), '# Uno')
    const later = new Date(Date.now() + 5000)
    await utimes(path.join(content, '1.md'), later, later)
    const edited = await loadWorkshopContent(workshop, look)
    expect(edited).not.toBe(first)
    expect(edited.pages[0]!.title).toBe('Uno')

    await write({ '3.md': '# Three' })
    expect((await loadWorkshopContent(workshop, look)).pages).toHaveLength(3)
    await rm(path.join(content, '2.md'))
    expect((await loadWorkshopContent(workshop, look)).pages.map((p) => p.title)).toEqual(['Uno', 'Three'])
  })

  it('looks at the files again only once the last look is older than the age given', async () => {
    let clock = 1_000_000
    const at = { maxAgeMs: 1000, now: () => clock }
    await write({ '1.md': '# One' })
    const first = await loadWorkshopContent(workshop, at)
    await write({ '2.md': '# Two' })
    clock += 999
    expect(await loadWorkshopContent(workshop, at)).toBe(first) // not looked at: the new page is not seen
    clock += 1
    expect((await loadWorkshopContent(workshop, at)).pages.map((p) => p.title)).toEqual(['One', 'Two'])
    // The look just made starts a new window.
    await rm(path.join(content, '1.md'))
    clock += 500
    expect((await loadWorkshopContent(workshop, at)).pages).toHaveLength(2)
    clock += 500
    expect((await loadWorkshopContent(workshop, at)).pages.map((p) => p.title)).toEqual(['Two'])
  })
})

describe('page naming helpers', () => {
  it('comparePagePaths: numbers by value, index first, leading zeros tie-broken', () => {
    const paths = [
      '10-y.md',
      '2-x.md',
      'b.md',
      '_index.md',
      'a/2.md',
      'a/_index.md',
      'a/10.md',
      '01-x.md',
      '1-x.md',
      'a.md',
    ]
    expect([...paths].sort(comparePagePaths)).toEqual([
      '_index.md',
      '01-x.md',
      '1-x.md',
      '2-x.md',
      '10-y.md',
      'a/_index.md',
      'a/2.md',
      'a/10.md',
      'a.md',
      'b.md',
    ])
  })

  it('pageIds and titleFromFileName', () => {
    expect(pageIds(['01-intro.md', 'sub/_index.md', '99999999999999999999-big-number.md'])).toEqual([
      'intro',
      'sub-index',
      'big-number',
    ])
    expect(pageIds(['x'.repeat(100) + '.md'])[0]).toHaveLength(60)
    expect(titleFromFileName('sub/02-next_steps.md')).toBe('Next steps')
    expect(titleFromFileName('__.md')).toBe('Untitled')
  })
})
