// @ts-check
/*
 * labgate.js: opens a labgate lab in an LMS page (plain HTML or a SCORM package) through the LMS's
 * gateway4labs plug-in. ES2017, no dependencies, a classic script (<script src>). One global:
 *
 *   new Laboratory(basePath = "/", extension = "/", rootId = "gateway4labs_root")
 *
 * - load(labId, onerror?) POSTs {"action":"reserve","experiment":labId} as application/json, with the
 *   page's same-origin cookies (the LMS knows its user), to basePath + "gateway4labs/lms/forward" +
 *   extension. The plug-in relays it to labgate's /labmanager/requests/ and answers labgate's text: a URL,
 *   or a message ("error: ..." or other). The root says "Loading lab…", then shows the message as text,
 *   or the lab: a labgate session's single-use link (…/workshops/session/<name>/activate/,
 *   …/labmanager/enter/) as an "Open the lab" link to a tab of its own, since labgate's dashboard refuses
 *   to be framed and a link spent in a frame of another site (where its sign-in cookie is refused) would
 *   be lost; any other URL (a remote lab's page) in an iframe filling the root, under a link to open it
 *   in a new tab.
 * - authenticate(onerror?) GETs basePath + "gateway4labs/lms/authenticate" + extension (the plug-in signs
 *   an LMS administrator in to labgate) and shows a link to the URL answered.
 * Both resolve to the URL answered, or null once the problem (an error text, a status other than 2xx, an
 * unreachable LMS) is shown, or handed to onerror(message, root). They never reject.
 */
;(function () {
  'use strict'

  const ROOT_ID = 'gateway4labs_root'
  const REQUESTS = 'gateway4labs/lms/forward'
  const AUTHENTICATE = 'gateway4labs/lms/authenticate'

  /** @param {HTMLElement} root @param {string} tag @param {string} text */
  function append(root, tag, text) {
    const node = document.createElement(tag)
    node.textContent = text
    root.appendChild(node)
    return node
  }

  /** @param {HTMLElement} root @param {string} url @param {string} text */
  function appendLink(root, url, text) {
    const p = append(root, 'p', '')
    p.className = 'labgate-open'
    const a = /** @type {HTMLAnchorElement} */ (append(p, 'a', text))
    a.href = url
    a.target = '_blank'
    a.rel = 'noopener'
  }

  /** @param {string} text the answer's body, trimmed */
  const isUrl = (text) => /^https?:\/\/\S+$/i.test(text)

  /** @param {string} url a URL answered: whether it is a labgate session's single-use link */
  const isSessionLink = (url) =>
    /\/workshops\/session\/[^/]+\/activate\/$|\/labmanager\/enter\/$/.test(new URL(url).pathname)

  class Laboratory {
    /**
     * @param {string} [basePath] where the LMS's gateway4labs plug-in answers, e.g. "/moodle/blocks/"
     * @param {string} [extension] what ends its URLs: "/" or, for PHP plug-ins, ".php"
     * @param {string} [rootId] the id of the element the lab is shown in
     */
    constructor(basePath, extension, rootId) {
      this.basePath = basePath || '/'
      this.extension = extension || '/'
      this.rootId = rootId || ROOT_ID
    }

    /** The element the lab is shown in; throws when the page has none. */
    root() {
      const root = document.getElementById(this.rootId)
      if (!root) throw new Error('labgate.js: the page has no element with id "' + this.rootId + '"')
      return root
    }

    /**
     * @param {string} labId the lab's identifier at the LMS (labgate's labs[].id)
     * @param {(message: string, root: HTMLElement) => void} [onerror] shows a problem instead of the root
     * @returns {Promise<string | null>}
     */
    load(labId, onerror) {
      const root = this.root()
      root.textContent = ''
      append(root, 'p', 'Loading lab\u2026').className = 'labgate-loading'
      const body = JSON.stringify({ action: 'reserve', experiment: String(labId) })
      return this.ask('POST', REQUESTS, body, root, onerror).then((url) => {
        if (url === null) return null
        root.textContent = ''
        if (isSessionLink(url)) {
          appendLink(root, url, 'Open the lab')
          return url
        }
        appendLink(root, url, 'Open the lab in a new tab')
        const frame = document.createElement('iframe')
        frame.src = url
        frame.title = 'Lab ' + labId
        frame.setAttribute('allow', 'clipboard-read; clipboard-write; fullscreen')
        frame.style.cssText = 'display:block;width:100%;height:100%;min-height:80vh;border:0'
        root.appendChild(frame)
        return url
      })
    }

    /**
     * @param {(message: string, root: HTMLElement) => void} [onerror]
     * @returns {Promise<string | null>}
     */
    authenticate(onerror) {
      const root = this.root()
      return this.ask('GET', AUTHENTICATE, null, root, onerror).then((url) => {
        if (url === null) return null
        root.textContent = ''
        appendLink(root, url, 'Open the LMS administration on labgate')
        return url
      })
    }

    /**
     * Asks the plug-in at `path`; resolves to the URL it answered, or null once the problem is shown.
     * @param {string} method @param {string} path @param {string | null} body @param {HTMLElement} root
     * @param {((message: string, root: HTMLElement) => void) | undefined} onerror
     * @returns {Promise<string | null>}
     */
    ask(method, path, body, root, onerror) {
      /** @param {string} message */
      const fail = (message) => {
        if (onerror) onerror(message, root)
        else {
          root.textContent = ''
          const p = append(root, 'p', message)
          p.className = 'labgate-error'
          p.setAttribute('role', 'alert')
        }
        return null
      }
      /** @type {RequestInit} */
      const init = { method: method, credentials: 'same-origin' }
      if (body !== null) {
        init.headers = { 'Content-Type': 'application/json' }
        init.body = body
      }
      return fetch(this.basePath + path + this.extension, init)
        .then((res) => res.text().then((raw) => ({ res: res, text: raw.trim() })))
        .then(
          (answer) => {
            const text = answer.text
            if (!answer.res.ok)
              return fail('The LMS answered ' + answer.res.status + ': ' + (text || answer.res.statusText))
            if (isUrl(text)) return text
            if (/^error:/i.test(text)) return fail(text.slice('error:'.length).trim() || 'Unknown error')
            return fail(text || 'The LMS answered nothing')
          },
          (e) => fail('Could not reach the LMS: ' + (e && e.message ? e.message : String(e))),
        )
    }
  }

  ;/** @type {any} */ (window).Laboratory = Laboratory
})()
