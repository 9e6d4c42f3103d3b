import { escapeHtml } from '../escape-html.js'
import { isMapping, parseYaml } from './parse-yaml.js'
import { absoluteHttpUrl } from './safe-url.js'
import { interpolate } from './variables.js'

/** The actions a rendered block can carry, as its `data-action` says. */
export type ActionName = 'terminal:execute' | 'terminal:interrupt' | 'copy' | 'dashboard:open-url'

/** How a fence's info word maps to an action, and whether its body is YAML or the plain payload. */
export interface ActionSyntax {
  action: ActionName
  /** The body is the command or text itself (Educates' classic `execute-2`, `copy`), not YAML. */
  plain?: 'command' | 'text-or-yaml'
  /** Terminal fixed by the info word (`execute-2`). */
  terminal?: string
}

const SYNTAX: Record<string, ActionSyntax> = {
  'terminal:execute': { action: 'terminal:execute' },
  'terminal:interrupt': { action: 'terminal:interrupt' },
  'dashboard:open-url': { action: 'dashboard:open-url' },
  copy: { action: 'copy', plain: 'text-or-yaml' },
  'copy-and-edit': { action: 'copy', plain: 'text-or-yaml' },
  'workshop:copy': { action: 'copy', plain: 'text-or-yaml' },
  'workshop:copy-and-edit': { action: 'copy', plain: 'text-or-yaml' },
}

/** A terminal's name: short, and safe in a URL path segment. */
const TERMINAL_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/

/**
 * The action syntax a fenced block's info string selects (by its first word), or undefined for an
 * ordinary code block. Accepts Educates' `terminal:execute`, `terminal:interrupt`, `dashboard:open-url`,
 * `copy`, `copy-and-edit`, `workshop:copy`, `workshop:copy-and-edit`, and the classic `execute` and
 * `execute-<n>` whose body is the command for terminal `<n>` (default 1).
 */
export function actionSyntax(info: string): ActionSyntax | undefined {
  const word = info.trim().split(/\s+/, 1)[0] ?? ''
  if (Object.hasOwn(SYNTAX, word)) return SYNTAX[word]
  const classic = /^execute(?:-([1-9][0-9]?))?$/.exec(word)
  if (classic) return { action: 'terminal:execute', plain: 'command', terminal: classic[1] ?? '1' }
  return undefined
}

/** A valid action block, with its payload already interpolated. */
export interface Action {
  action: ActionName
  terminal?: string
  command?: string
  text?: string
  url?: string
  /** What the block shows. */
  display: string
}

/** The result of {@link parseAction}: an action, or why the block is not one and what it then shows. */
export type ParsedAction = { ok: true; value: Action } | { ok: false; error: string; display: string }

type Problem = { ok: false; error: string }

/**
 * Reads an action block's body (the fence content) and interpolates `vars` into its values. The YAML is
 * parsed before interpolation, so a variable's value can never add keys. Trailing newlines of a command or
 * text are dropped (the dashboard presses Enter itself). Never throws.
 */
export function parseAction(
  syntax: ActionSyntax,
  body: string,
  vars: Readonly<Record<string, string>>,
): ParsedAction {
  const sub = (s: string) => interpolate(s, vars)
  const plainBody = sub(body.replace(/\n+$/, ''))
  const parsed = readAction(syntax, body, plainBody, sub)
  return parsed.ok ? parsed : { ...parsed, display: plainBody }
}

function readAction(
  syntax: ActionSyntax,
  body: string,
  plainBody: string,
  sub: (s: string) => string,
): { ok: true; value: Action } | Problem {
  if (syntax.plain === 'command') {
    if (!plainBody.trim()) return { ok: false, error: 'the block has no command' }
    return terminalAction('terminal:execute', syntax.terminal, { command: plainBody, display: plainBody })
  }
  const yaml = parseYaml(body)
  if (syntax.plain === 'text-or-yaml') {
    const text = yaml.ok && isMapping(yaml.value) ? field(yaml.value, 'text') : undefined
    const chosen = typeof text === 'string' ? sub(text.replace(/\n+$/, '')) : plainBody
    return { ok: true, value: { action: 'copy', text: chosen, display: chosen } }
  }
  if (!yaml.ok) return { ok: false, error: `invalid YAML: ${yaml.error}` }
  const map = yaml.value ?? {}
  if (!isMapping(map)) return { ok: false, error: 'the body must be YAML keys, like "command: ls"' }
  const keys = KEYS[syntax.action]
  const values: Record<string, string | undefined> = {}
  for (const key of keys) {
    const v = field(map, key)
    if (v === null) return { ok: false, error: `${key} must be a single value, not a list or a mapping` }
    values[key] = v === undefined ? undefined : sub(v.replace(/\n+$/, ''))
  }
  switch (syntax.action) {
    case 'terminal:execute': {
      const command = values.command
      if (command === undefined || !command.trim()) return { ok: false, error: 'command is required' }
      return terminalAction('terminal:execute', values.session, { command, display: command })
    }
    case 'terminal:interrupt':
      return terminalAction('terminal:interrupt', values.session, { display: '<ctrl+c>' })
    default: {
      const url = absoluteHttpUrl(values.url ?? '')
      if (!url) return { ok: false, error: 'url must be an absolute http(s) URL' }
      return { ok: true, value: { action: 'dashboard:open-url', url, display: url } }
    }
  }
}

/** The YAML keys each action reads; others are ignored, as Educates ignores options labgate lacks. */
const KEYS: Record<ActionName, string[]> = {
  'terminal:execute': ['session', 'command'],
  'terminal:interrupt': ['session'],
  'dashboard:open-url': ['url'],
  copy: ['text'],
}

function terminalAction(
  action: ActionName,
  terminal: string | undefined,
  rest: { command?: string; display: string },
): { ok: true; value: Action } | Problem {
  const name = terminal ?? '1'
  if (!TERMINAL_NAME.test(name)) return { ok: false, error: 'session must be a terminal name, like 1 or 2' }
  return { ok: true, value: { action, terminal: name, ...rest } }
}

/** A scalar field as text; undefined when absent or empty; null when it is a list or a mapping. */
function field(map: Record<string, unknown>, key: string): string | null | undefined {
  if (!Object.hasOwn(map, key)) return undefined
  const v = map[key]
  if (v === null || v === undefined) return undefined
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return String(v)
  return null
}

/**
 * The HTML of an action block. A valid one is
 * `<div class="lg-action" data-action="…" [data-terminal="…"] [data-command="…"] [data-text="…"]
 * [data-url="…"]><pre><code>…</code></pre></div>`, attributes in that order and only those that apply.
 * An invalid one is inert (no `lg-action`, no data attributes):
 * `<div class="lg-action-invalid"><pre><code>body</code></pre><p class="lg-action-error">why</p></div>`,
 * the body with variables interpolated.
 * Everything is escaped.
 */
export function renderAction(parsed: ParsedAction): string {
  if (!parsed.ok) {
    return (
      `<div class="lg-action-invalid"><pre><code>${escapeHtml(parsed.display)}</code></pre>` +
      `<p class="lg-action-error">This action cannot run: ${escapeHtml(parsed.error.replace(/\.$/, ''))}.</p></div>\n`
    )
  }
  const a = parsed.value
  let attrs = ` data-action="${escapeHtml(a.action)}"`
  if (a.terminal !== undefined) attrs += ` data-terminal="${escapeHtml(a.terminal)}"`
  if (a.command !== undefined) attrs += ` data-command="${escapeHtml(a.command)}"`
  if (a.text !== undefined) attrs += ` data-text="${escapeHtml(a.text)}"`
  if (a.url !== undefined) attrs += ` data-url="${escapeHtml(a.url)}"`
  return `<div class="lg-action"${attrs}><pre><code>${escapeHtml(a.display)}</code></pre></div>\n`
}
