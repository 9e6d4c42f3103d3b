/**
 * labgate.js, the browser script an LMS page (a plain HTML page or a SCORM package) includes to open a lab
 * through the LMS's gateway4labs plug-in. It lives in `web-static/lms/labgate.js` at the repository (or
 * package) root, beside the other browser files, and is read from there by the running code, `src/` or
 * `dist/` alike.
 */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

/** Where labgate.js is: `web-static/lms/labgate.js` under the repository (or package) root. */
export const LABGATE_SCRIPT_PATH = fileURLToPath(
  new URL('../../../web-static/lms/labgate.js', import.meta.url),
)

/** The text of labgate.js (UTF-8), read anew on each call; throws when the file is missing. */
export function readLabgateScript(): string {
  return readFileSync(LABGATE_SCRIPT_PATH, 'utf8')
}
