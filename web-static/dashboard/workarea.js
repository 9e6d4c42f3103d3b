// @ts-check
/**
 * The right-hand side of the dashboard: the terminal tabs (which the browser remembers per session) and
 * the session's web apps (`data-app` tabs, each in an iframe), one pane shown at a time.
 */
import { element } from './dom.js'
import { CLASS } from './ids.js'
import { TerminalView } from './terminal-view.js'

/**
 * Anything with a tab and a pane.
 * @typedef {object} View
 * @property {HTMLElement} pane
 * @property {HTMLElement} tab
 * @property {() => void} [shown] called when selected
 * @property {() => void} [fit] called when the window resizes
 */

export class Workarea {
  /** @type {Map<string, TerminalView>} */
  #terminals = new Map()
  /** @type {View | null} */
  #current = null
  #panes = element('panes', HTMLElement)
  #base
  #storageKey
  #sessionEnded

  /**
   * @param {import('./dom.js').PageSettings} page
   * @param {(message: string) => Promise<boolean>} sessionEnded see `LinkHost.sessionEnded`
   */
  constructor(page, sessionEnded) {
    this.#base = page.base
    this.#storageKey = `labgate:${page.name}:terminals`
    this.#sessionEnded = sessionEnded
    element('newTerminal', HTMLButtonElement).addEventListener('click', () => {
      let n = 1
      while (this.#terminals.has(String(n))) n++
      this.select(this.terminal(String(n)))
    })
    window.addEventListener('resize', () => this.#current?.fit?.())
    for (const tab of document.querySelectorAll(`.${CLASS.tab}[data-app]`)) {
      if (tab instanceof HTMLElement) this.#appTab(tab)
    }
  }

  /** Opens the terminals this browser had open in this session (terminal 1 at first), selects the first. */
  openTerminals() {
    const ids = this.#saved()
    for (const id of ids) this.terminal(id)
    const first = this.#terminals.get(ids[0] ?? '1')
    if (first) this.select(first)
  }

  /**
   * Terminal `id`, opened (and remembered) when it is not yet.
   * @param {string} id
   */
  terminal(id) {
    let t = this.#terminals.get(id)
    if (!t) {
      const view = new TerminalView(id, {
        url: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${this.#base}terminal/${encodeURIComponent(id)}`,
        panes: this.#panes,
        tabs: element('terminalTabs', HTMLElement),
        onTab: () => this.select(view),
        sessionEnded: this.#sessionEnded,
      })
      t = view
      this.#terminals.set(id, t)
      this.#save()
    }
    return t
  }

  /** Shows `view`'s pane and marks its tab. @param {View} view */
  select(view) {
    this.#current = view
    for (const p of this.#panes.children) if (p instanceof HTMLElement) p.hidden = p !== view.pane
    for (const t of document.querySelectorAll(`.${CLASS.tab}`))
      t.classList.toggle(CLASS.active, t === view.tab)
    view.shown?.()
  }

  /** Disconnects every terminal for good. */
  closeTerminals() {
    for (const t of this.#terminals.values()) t.close()
  }

  /** A web app's tab: its iframe is created on first click; clicking the open tab reloads the app. @param {HTMLElement} tab */
  #appTab(tab) {
    /** @type {(View & { frame: HTMLIFrameElement }) | null} */
    let view = null
    tab.addEventListener('click', () => {
      if (view && this.#current === view) {
        try {
          view.frame.contentWindow?.location.reload()
        } catch {
          // An app served as an opaque origin (path routing) cannot be reloaded from here: load it again.
          // Setting the attribute navigates the frame again, even to the same URL.
          view.frame.setAttribute('src', view.frame.src)
        }
        return
      }
      if (!view) {
        const app = tab.dataset.app ?? ''
        const pane = document.createElement('div')
        pane.className = CLASS.pane
        const frame = document.createElement('iframe')
        frame.src = `${this.#base}apps/${encodeURIComponent(app)}/`
        frame.title = app
        pane.appendChild(frame)
        this.#panes.appendChild(pane)
        view = { pane, tab, frame }
      }
      this.select(view)
    })
  }

  #save() {
    try {
      localStorage.setItem(this.#storageKey, JSON.stringify([...this.#terminals.keys()]))
    } catch {
      // storage unavailable: terminals are still reattached by name
    }
  }

  /** @returns {string[]} */
  #saved() {
    try {
      const ids = JSON.parse(localStorage.getItem(this.#storageKey) || '[]')
      return Array.isArray(ids) && ids.length ? ids.map(String) : ['1']
    } catch {
      return ['1']
    }
  }
}
