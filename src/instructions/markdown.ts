import MarkdownIt, { type StateCore, type Token } from 'markdown-it'
import { actionSyntax, parseAction, renderAction } from './actions.js'
import { isExternalUrl, isSafeImageUrl, isSafeLinkUrl } from './safe-url.js'
import { hasVariableReference, interpolate } from './variables.js'

/** What a render hands down to the rules through markdown-it's `env`. */
interface RenderEnv {
  vars?: Readonly<Record<string, string>>
}

const md = new MarkdownIt('default', { html: false, linkify: true, typographer: false })
// Only URLs with a scheme become links: fuzzy matching would link `notes.md` and `run.sh` (Moldova, St Helena).
md.linkify.set({ fuzzyLink: false, fuzzyEmail: false, fuzzyIP: false })

const encodeUrl = md.utils.lib.mdurl.encode
const defaultNormalizeLink = md.normalizeLink.bind(md)
// Keeps variable references in a destination as written, so the core rule below can find and fill them.
md.normalizeLink = (url) =>
  hasVariableReference(url) ? interpolate(url, {}, (ref) => ref, encodeUrl) : defaultNormalizeLink(url)
// Refused destinations are not links at all: markdown-it then leaves the source as text.
md.validateLink = isSafeLinkUrl
// After linkify, so that a variable's value is never turned into a link.
md.core.ruler.push('labgate_variables_and_urls', (state: StateCore) => {
  const vars = (state.env as RenderEnv).vars
  for (const token of state.tokens) {
    if (vars && (token.type === 'code_block' || (token.type === 'fence' && !actionSyntax(token.info)))) {
      token.content = interpolate(token.content, vars)
    }
    if (token.children) token.children = inlineTokens(token.children, vars ?? {})
  }
})

const defaultFence = md.renderer.rules.fence!
md.renderer.rules.fence = (tokens, idx, options, env: RenderEnv, self) => {
  const token = tokens[idx]!
  const syntax = actionSyntax(token.info)
  if (!syntax) return defaultFence(tokens, idx, options, env, self)
  return renderAction(parseAction(syntax, token.content, env.vars ?? {}))
}

/**
 * Fills variables into text, inline code, link and image destinations and titles; re-checks every
 * destination once filled (a refused link keeps its text, a refused image becomes its alt text); marks
 * external links to open in a new tab without access to the dashboard.
 */
function inlineTokens(tokens: Token[], vars: Readonly<Record<string, string>>): Token[] {
  const out: Token[] = []
  let dropNextClose = false
  for (const token of tokens) {
    if (token.children) token.children = inlineTokens(token.children, vars)
    if (token.type === 'text' || token.type === 'text_special' || token.type === 'code_inline') {
      token.content = interpolate(token.content, vars)
    }
    const title = token.attrGet('title')
    if (title !== null) token.attrSet('title', interpolate(title, vars))
    if (token.type === 'link_open') {
      const href = interpolate(token.attrGet('href') ?? '', vars, encodeUrl)
      if (!isSafeLinkUrl(href)) {
        dropNextClose = true
        continue
      }
      token.attrSet('href', href)
      if (isExternalUrl(href)) {
        token.attrSet('target', '_blank')
        token.attrSet('rel', 'noopener noreferrer')
      }
    } else if (token.type === 'link_close' && dropNextClose) {
      dropNextClose = false
      continue
    } else if (token.type === 'image') {
      const src = interpolate(token.attrGet('src') ?? '', vars, encodeUrl)
      if (!isSafeImageUrl(src)) {
        out.push(...(token.children ?? []))
        continue
      }
      token.attrSet('src', src)
    }
    out.push(token)
  }
  return out
}

/**
 * Renders Markdown to an HTML fragment: raw HTML shows as text, links go only to http(s), mailto or
 * relative URLs, images load only from http(s) or relative URLs, action blocks become `lg-action`
 * elements (see `renderAction`), and `vars` are filled in as text everywhere. Never throws.
 */
export function renderMarkdown(markdown: string, vars: Readonly<Record<string, string>>): string {
  const env: RenderEnv = { vars }
  return md.render(markdown, env)
}

/** The plain text of the first level-1 heading (`# Title` or `Title\n===`), or undefined when none. */
export function firstHeading(markdown: string): string | undefined {
  const tokens = md.parse(markdown, {})
  const at = tokens.findIndex((t) => t.type === 'heading_open' && t.tag === 'h1')
  if (at < 0) return undefined
  const text = plainText(tokens[at + 1]?.children ?? []).trim()
  return text || undefined
}

function plainText(tokens: Token[]): string {
  return tokens
    .map((t) =>
      t.type === 'text' || t.type === 'text_special' || t.type === 'code_inline'
        ? t.content
        : t.type === 'softbreak'
          ? ' '
          : plainText(t.type === 'image' ? [] : (t.children ?? [])),
    )
    .join('')
}
