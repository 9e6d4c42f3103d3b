// @ts-check
/**
 * The instructions on the left: previous/next and the table of contents load pages from the server, and
 * the clickable action blocks in a page (rendered by the server as `.lg-action` with `data-action`) run
 * commands in terminals, copy text or open links.
 */
import { element } from './dom.js'

/** @typedef {import('./api.js').DashboardApi} DashboardApi */
/** @typedef {import('./api.js').InstructionsPage} InstructionsPage */

/**
 * What the actions need from the terminals.
 * @typedef {object} TerminalTarget
 * @property {(terminal: string, text: string) => void} type selects terminal `terminal` (opening it if
 *   needed) and types `text` into it
 */

/**
 * Wires the instructions pane.
 * @param {import('./dom.js').PageSettings} page
 * @param {DashboardApi} api
 * @param {TerminalTarget} terminals
 */
export function setUpInstructions(page, api, terminals) {
  const prev = element('prev', HTMLButtonElement)
  const next = element('next', HTMLButtonElement)
  const toc = element('toc', HTMLSelectElement)
  const body = element('page', HTMLElement)

  /** @param {string | undefined} p @param {string | undefined} n */
  const setTargets = (p, n) => {
    prev.dataset.target = p || ''
    next.dataset.target = n || ''
  }
  /** @param {string} id */
  const show = async (id) => {
    const r = await api.instructions(id)
    if (!r.ok) return
    const p = /** @type {InstructionsPage} */ (await r.json())
    body.innerHTML = p.html // sanitized by the server-side renderer
    body.scrollTop = 0
    page.root.dataset.page = p.page
    prev.disabled = !p.prev
    next.disabled = !p.next
    setTargets(p.prev, p.next)
    toc.value = p.page
  }

  const ids = [...toc.options].map((o) => o.value)
  const i = ids.indexOf(page.page)
  setTargets(ids[i - 1], ids[i + 1])
  prev.addEventListener('click', () => prev.dataset.target && show(prev.dataset.target))
  next.addEventListener('click', () => next.dataset.target && show(next.dataset.target))
  toc.addEventListener('change', () => show(toc.value))
  body.addEventListener('click', (ev) => {
    const block = ev.target instanceof Element ? ev.target.closest('.lg-action') : null
    if (block instanceof HTMLElement) void runAction(block, terminals)
  })
}

/**
 * Runs the action of `block` and marks it done; an unknown action, or a failed copy, leaves it as is.
 * @param {HTMLElement} block
 * @param {TerminalTarget} terminals
 */
async function runAction(block, terminals) {
  const a = block.dataset
  if (a.action === 'terminal:execute' || a.action === 'terminal:interrupt') {
    terminals.type(a.terminal || '1', a.action === 'terminal:execute' ? `${a.command}\r` : '\x03')
  } else if (a.action === 'copy' || a.action === 'copy-and-edit') {
    try {
      await navigator.clipboard.writeText(a.text || '')
    } catch {
      return
    }
  } else if (a.action === 'dashboard:open-url' && /^https?:/i.test(a.url || '')) {
    window.open(a.url, '_blank', 'noopener,noreferrer')
  } else {
    return
  }
  block.classList.add('lg-done')
}
