// @ts-check
/** A terminal's tab and pane: xterm.js on screen, connected to its shell through a {@link TerminalLink}. */
import { CLASS } from './ids.js'
import { TerminalLink } from './terminal-link.js'

/**
 * What a terminal view needs from the page.
 * @typedef {object} TerminalViewOptions
 * @property {string} url the terminal's WebSocket URL
 * @property {HTMLElement} panes where its pane goes
 * @property {HTMLElement} tabs where its tab goes
 * @property {() => void} onTab its tab was clicked
 * @property {(message: string) => Promise<boolean>} sessionEnded see `LinkHost.sessionEnded`
 */

export class TerminalView {
  /** @type {HTMLElement} */
  pane
  /** @type {HTMLElement} */
  tab
  #term
  #fit
  #link

  /**
   * Adds the tab and pane of terminal `id` and connects it.
   * @param {string} id
   * @param {TerminalViewOptions} o
   */
  constructor(id, o) {
    this.pane = document.createElement('div')
    this.pane.className = CLASS.pane
    this.pane.dataset.terminal = id
    o.panes.appendChild(this.pane)
    this.tab = document.createElement('button')
    this.tab.className = CLASS.tab
    this.tab.textContent = `Terminal ${id}`
    this.tab.dataset.terminal = id
    this.tab.addEventListener('click', o.onTab)
    o.tabs.appendChild(this.tab)
    this.#term = new window.Terminal({
      cursorBlink: true,
      fontSize: 14,
      lineHeight: 1.15,
      fontFamily: 'ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace',
      scrollback: 5000,
      theme: { background: '#1e1e1e' },
    })
    this.#fit = new window.FitAddon.FitAddon()
    this.#term.loadAddon(this.#fit)
    this.#term.open(this.pane)
    this.#link = new TerminalLink({
      connect: (events) => openSocket(o.url, events),
      opened: () => {
        this.#term.reset() // the server replays the scrollback
        this.fit()
        return { cols: this.#term.cols, rows: this.#term.rows }
      },
      write: (data) => this.#term.write(data),
      sessionEnded: o.sessionEnded,
    })
    this.#term.onData((d) => this.#link.input(d))
    this.#term.onResize(({ cols, rows }) => this.#link.resize(cols, rows))
  }

  /** Types `text` into the shell (queued while disconnected). @param {string} text */
  input(text) {
    this.#link.input(text)
  }

  /** Fits the screen to its pane, when shown. */
  fit() {
    if (this.pane.hidden) return
    try {
      this.#fit.fit()
    } catch {
      // not laid out yet
    }
  }

  /** Called when its tab is selected. */
  shown() {
    this.fit()
    this.#term.focus()
  }

  /** Disconnects for good (the shell keeps running on the server). */
  close() {
    this.#link.close()
  }
}

/**
 * Opens a browser WebSocket to `url` and reports to `events`.
 * @param {string} url
 * @param {import('./terminal-link.js').LinkSocketEvents} events
 * @returns {import('./terminal-link.js').LinkSocket}
 */
function openSocket(url, events) {
  const ws = new WebSocket(url)
  ws.binaryType = 'arraybuffer'
  ws.onopen = () => events.opened()
  ws.onmessage = (ev) => events.received(ev.data)
  ws.onclose = (ev) => events.closed(ev.code)
  return { send: (data) => ws.send(data), close: () => ws.close() }
}
