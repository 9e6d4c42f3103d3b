/**
 * The texts of gateway4labs' basic-HTTP answers, as the original LabManager writes them
 * (`views/error_codes.py`) where an LMS plug-in may show or match them, and labgate's own for the rest.
 * Every refusal but the two the original answers bare starts with `error:`, which the gateway4labs SCORM
 * script (`lms4labs.js`) shows as an error; a success is a URL, which it recognises by its `http` start.
 */

/** A lab the LMS has not registered (gateway4labs' `ERROR_permission`). */
export const NO_PERMISSION =
  'Your LMS does not have permission to use that laboratory or that identifier does not exist'

/** An action other than `reserve` (gateway4labs' `ERROR_unsupported`). */
export const UNSUPPORTED = 'Unsupported operation'

/** A registered lab none of the request's courses may launch (gateway4labs' `ERROR_enrolled`). */
export const NOT_ENROLLED =
  'error: Your LMS has permission to use that laboratory; but you are not enrolled in any course with permissions to use it'

/** The 401 body for a missing or wrong login (the original's). */
export const UNAUTHORIZED = 'Could not verify your credentials for that URL'

/** The realm of the 401's challenge (the original's). */
export const WWW_AUTHENTICATE = 'Basic realm="Login Required"'

/** Any other refusal, as the SCORM script shows it: `error: <reason>`. */
export const errorText = (reason: string) => `error: ${reason}`
