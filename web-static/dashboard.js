// labgate session dashboard: terminals (xterm.js over WebSocket), instructions and their actions,
// countdown, extend and finish. Plain browser JavaScript, no build step.
;(() => {
  'use strict'
  const root = document.getElementById('lg-dashboard')
  if (!root) return
  const base = root.dataset.base
  const finishUrl = root.dataset.finish
  const $ = (id) => document.getElementById(id)
  const api = (path, init = {}) =>
    fetch(base + '_labgate/' + path, {
      credentials: 'same-origin',
      ...init,
      headers: { 'X-Requested-With': 'labgate', ...(init.headers || {}) },
    })

  let ended = false
  const endSession = (message) => {
    if (ended) return
    ended = true
    for (const t of terminals.values()) t.close()
    const overlay = $('lg-ended')
    if (message) overlay.querySelector('p').textContent = message
    overlay.hidden = false
  }

  // --- schedule: state, countdown, extend -----------------------------------------------------------
  let expires = root.querySelector('#lg-countdown').dataset.expires
  expires = expires ? Date.parse(expires) : null
  let state = root.dataset.state
  const showSchedule = (s) => {
    state = s.status
    $('lg-state').textContent = s.status
    expires = s.expires ? Date.parse(s.expires) : null
    $('lg-extend').hidden = !s.extendable
    $('lg-countdown').classList.toggle('lg-expiring', !!s.expiring)
    tick()
  }
  const tick = () => {
    const el = $('lg-countdown')
    if (expires === null) {
      el.textContent = '∞'
      return
    }
    const left = Math.max(0, Math.round((expires - Date.now()) / 1000))
    const h = Math.floor(left / 3600)
    const m = Math.floor((left % 3600) / 60)
    const s = String(left % 60).padStart(2, '0')
    el.textContent = h ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`
  }
  const poll = async () => {
    try {
      const r = await api('schedule')
      if (r.status === 404) return endSession()
      if (!r.ok) return
      const s = await r.json()
      showSchedule(s)
      if (s.status === 'STOPPING') endSession()
      return s
    } catch {
      return null // offline for a moment: the next poll tries again
    }
  }
  $('lg-extend').addEventListener('click', async () => {
    const r = await api('extend', { method: 'POST' })
    if (r.ok) showSchedule(await r.json())
  })
  $('lg-finish').addEventListener('click', async () => {
    if (!confirm('Finish the workshop? Your session and its files will be deleted.')) return
    const r = await api('terminate', { method: 'POST' })
    const body = r.ok ? await r.json() : {}
    location.href = body.redirect || finishUrl
  })
  setInterval(tick, 1000)
  setInterval(poll, 5000)
  tick()

  // --- terminals ------------------------------------------------------------------------------------
  const terminals = new Map()
  const panes = $('lg-panes')
  const termTabs = $('lg-term-tabs')
  const wsUrl = (id) =>
    `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${base}terminal/${encodeURIComponent(id)}`

  class TerminalView {
    constructor(id) {
      this.id = id
      this.pane = document.createElement('div')
      this.pane.className = 'lg-pane'
      this.pane.dataset.terminal = id
      panes.appendChild(this.pane)
      this.tab = document.createElement('button')
      this.tab.className = 'lg-tab'
      this.tab.textContent = `Terminal ${id}`
      this.tab.dataset.terminal = id
      this.tab.addEventListener('click', () => select(this))
      termTabs.appendChild(this.tab)
      this.term = new window.Terminal({
        cursorBlink: true,
        fontSize: 14,
        lineHeight: 1.15,
        fontFamily: 'ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace',
        scrollback: 5000,
        theme: { background: '#1e1e1e' },
      })
      this.fit = new window.FitAddon.FitAddon()
      this.term.loadAddon(this.fit)
      this.term.open(this.pane)
      this.term.onData((d) => this.send({ t: 'i', d }))
      this.term.onResize(({ cols, rows }) => this.send({ t: 'r', c: cols, r: rows }))
      this.queue = []
      this.retry = 0
      this.closed = false
      this.connect()
    }
    connect() {
      if (this.closed || ended) return
      const ws = new WebSocket(wsUrl(this.id))
      ws.binaryType = 'arraybuffer'
      this.ws = ws
      ws.onopen = () => {
        this.retry = 0
        this.term.reset() // the server replays the scrollback
        this.fitNow()
        this.send({ t: 'r', c: this.term.cols, r: this.term.rows })
        for (const m of this.queue.splice(0)) ws.send(m)
      }
      ws.onmessage = (ev) => {
        if (typeof ev.data !== 'string') return this.term.write(new Uint8Array(ev.data))
        let m
        try {
          m = JSON.parse(ev.data)
        } catch {
          return
        }
        if (m.t === 'x') {
          this.term.write(`\r\n\x1b[33m${m.message || 'The terminal has closed.'}\x1b[0m\r\n`)
          if (m.ended) endSession(m.message)
          else this.exited = true
        }
      }
      ws.onclose = (ev) => {
        if (this.closed || ended) return
        if (ev.code === 1008 || ev.code === 4403 || ev.code === 4404) return void poll()
        if (this.exited) {
          this.exited = false
          setTimeout(() => this.connect(), 300) // a new shell replaces the one that exited
          return
        }
        const delay = Math.min(5000, 200 * 2 ** this.retry++)
        setTimeout(() => this.connect(), delay)
      }
    }
    send(msg) {
      const data = JSON.stringify(msg)
      if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(data)
      else if (msg.t === 'i') this.queue.push(data)
    }
    input(text) {
      this.send({ t: 'i', d: text })
    }
    fitNow() {
      if (!this.pane.hidden) {
        try {
          this.fit.fit()
        } catch {
          // not laid out yet
        }
      }
    }
    close() {
      this.closed = true
      if (this.ws) this.ws.close()
    }
  }

  let current = null
  const select = (view) => {
    current = view
    for (const p of panes.children) p.hidden = p !== view.pane
    for (const t of document.querySelectorAll('.lg-tab')) t.classList.toggle('lg-active', t === view.tab)
    if (view.fitNow) view.fitNow()
    if (view.term) view.term.focus()
  }
  const terminal = (id) => {
    let t = terminals.get(id)
    if (!t) {
      t = new TerminalView(id)
      terminals.set(id, t)
      saveTerminals()
    }
    return t
  }
  const storageKey = `labgate:${root.dataset.name}:terminals`
  const saveTerminals = () => {
    try {
      localStorage.setItem(storageKey, JSON.stringify([...terminals.keys()]))
    } catch {
      // storage unavailable: terminals are still reattached by name
    }
  }
  const savedTerminals = () => {
    try {
      const ids = JSON.parse(localStorage.getItem(storageKey) || '[]')
      return Array.isArray(ids) && ids.length ? ids.map(String) : ['1']
    } catch {
      return ['1']
    }
  }
  $('lg-new-term').addEventListener('click', () => {
    let n = 1
    while (terminals.has(String(n))) n++
    select(terminal(String(n)))
  })
  window.addEventListener('resize', () => current && current.fitNow && current.fitNow())

  // --- web apps in the session (ingresses) ---------------------------------------------------------
  for (const tab of document.querySelectorAll('.lg-tab[data-app]')) {
    let view = null
    tab.addEventListener('click', () => {
      if (view && current === view) {
        view.frame.contentWindow.location.reload() // clicking the open tab reloads the app
        return
      }
      if (!view) {
        const pane = document.createElement('div')
        pane.className = 'lg-pane'
        const frame = document.createElement('iframe')
        frame.src = `${base}apps/${encodeURIComponent(tab.dataset.app)}/`
        frame.title = tab.dataset.app
        pane.appendChild(frame)
        panes.appendChild(pane)
        view = { pane, tab, frame }
      }
      select(view)
    })
  }

  // --- instructions: navigation and clickable actions ----------------------------------------------
  const showPage = async (id) => {
    const r = await api(`instructions/${encodeURIComponent(id)}`)
    if (!r.ok) return
    const p = await r.json()
    $('lg-page').innerHTML = p.html // sanitized by the server-side renderer
    $('lg-page').scrollTop = 0
    root.dataset.page = p.page
    $('lg-prev').disabled = !p.prev
    $('lg-next').disabled = !p.next
    $('lg-prev').dataset.target = p.prev || ''
    $('lg-next').dataset.target = p.next || ''
    $('lg-toc').value = p.page
  }
  const initialNav = () => {
    const toc = [...$('lg-toc').options].map((o) => o.value)
    const i = toc.indexOf(root.dataset.page)
    $('lg-prev').dataset.target = toc[i - 1] || ''
    $('lg-next').dataset.target = toc[i + 1] || ''
  }
  $('lg-prev').addEventListener(
    'click',
    () => $('lg-prev').dataset.target && showPage($('lg-prev').dataset.target),
  )
  $('lg-next').addEventListener(
    'click',
    () => $('lg-next').dataset.target && showPage($('lg-next').dataset.target),
  )
  $('lg-toc').addEventListener('change', () => showPage($('lg-toc').value))
  $('lg-page').addEventListener('click', async (ev) => {
    const block = ev.target.closest('.lg-action')
    if (!block) return
    const a = block.dataset
    if (a.action === 'terminal:execute' || a.action === 'terminal:interrupt') {
      const t = terminal(a.terminal || '1')
      select(t)
      t.input(a.action === 'terminal:execute' ? `${a.command}\r` : '\x03')
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
  })

  // --- start-up ------------------------------------------------------------------------------------
  const openTerminals = () => {
    const ids = savedTerminals()
    for (const id of ids) terminal(id)
    select(terminals.get(ids[0]))
  }
  const waitUntilRunning = async () => {
    const started = Date.now()
    while (!ended) {
      const s = await poll()
      if (s && s.status === 'RUNNING') break
      $('lg-starting-detail').textContent =
        `Waiting for the sandbox… ${Math.round((Date.now() - started) / 1000)} s`
      // Poll briskly at first (a sandbox usually starts in milliseconds), then back off.
      await new Promise((r) => setTimeout(r, Date.now() - started < 2000 ? 25 : 250))
    }
    $('lg-starting').hidden = true
    if (!ended) openTerminals()
  }
  initialNav()
  if (state === 'STARTING') void waitUntilRunning()
  else openTerminals()
})()
