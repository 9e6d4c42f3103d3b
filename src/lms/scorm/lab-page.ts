/**
 * The page of a lab in a SCORM 1.2 package (`index.html`): it includes labgate.js, has the
 * `#gateway4labs_root` the lab is shown in, and on load runs `new Laboratory(basePath, extension)
 * .load(labId)`. It is a SCO: it finds the LMS's SCORM 1.2 API (`API` in a parent frame, or the opener's),
 * calls `LMSInitialize("")`, marks a lesson not yet attempted `incomplete` (never lowering a status the
 * LMS already has: labgate cannot tell when a lab is done, so it never claims `completed`), commits, and
 * `LMSCommit("")` and `LMSFinish("")` when the page goes away. Without an API the lab opens all the same.
 * Pure.
 */
import { escapeHtml } from '../../escape-html.js'

/** What the page opens. */
export interface LabPageInput {
  /** The page's title. */
  title: string
  /** The lab's identifier at the LMS (`labs[].id`). */
  labId: string
  /** Where the LMS's gateway4labs plug-in answers (`new Laboratory(basePath, …)`), e.g. `/moodle/blocks/`. */
  basePath: string
  /** What ends the plug-in's URLs: `/` or, for PHP plug-ins, `.php`. */
  extension: string
  /** The URL of the labgate.js the page includes, relative to the page. */
  scriptSrc: string
}

/**
 * `value` as a JavaScript literal safe inside an HTML `<script>` element: JSON, with `<`, `>`, `&` and the
 * line and paragraph separators (not allowed in ES2017 strings) as `\u` escapes.
 */
export function scriptLiteral(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  )
}

/** The SCO's runtime: finds the API, starts the attempt, opens the lab, and ends the attempt on leaving. */
const RUNTIME = `
  function findApi(start) {
    for (var win = start, hops = 0; win && hops < 8; hops++) {
      try {
        if (win.API) return win.API
      } catch (e) {
        return null // another origin's frame: no API beyond it
      }
      if (win.parent === win) break
      win = win.parent
    }
    return null
  }
  var api = null
  var finished = false
  function finish() {
    if (!api || finished) return
    finished = true
    api.LMSCommit('')
    api.LMSFinish('')
  }
  window.addEventListener('load', function () {
    api = findApi(window) || (window.opener ? findApi(window.opener) : null)
    if (api && String(api.LMSInitialize('')) === 'true') {
      var status = String(api.LMSGetValue('cmi.core.lesson_status'))
      if (status === '' || status === 'not attempted') api.LMSSetValue('cmi.core.lesson_status', 'incomplete')
      api.LMSCommit('')
    } else api = null
    new Laboratory(LAB.basePath, LAB.extension).load(LAB.labId)
  })
  window.addEventListener('pagehide', finish)
  window.addEventListener('unload', finish)
`

/** The page's HTML (UTF-8). */
export function labPage(p: LabPageInput): string {
  const lab = { labId: p.labId, basePath: p.basePath, extension: p.extension }
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(p.title)}</title>
<style>
  html, body { height: 100%; margin: 0; font-family: system-ui, sans-serif; }
  #gateway4labs_root { height: 100%; }
  .labgate-open, .labgate-loading, .labgate-error { margin: 0; padding: 0.5em 1em; }
  .labgate-error { color: #a40000; }
</style>
<script src="${escapeHtml(p.scriptSrc)}"></script>
<script>
(function () {
  'use strict'
  var LAB = ${scriptLiteral(lab)}
${RUNTIME}})()
</script>
</head>
<body>
<div id="gateway4labs_root"></div>
</body>
</html>
`
}
