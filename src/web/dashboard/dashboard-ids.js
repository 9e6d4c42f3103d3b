// @ts-check
/**
 * The element ids and class names that the dashboard page (`dashboard-page.ts`) renders and its browser
 * code (`web-static/dashboard/`, which loads this file as `_labgate/static/ids.js`) looks up: both use
 * these names, so renaming one is a change in one place, and a key that goes away fails the type-check
 * on whichever side still uses it. Plain JavaScript with JSDoc types; no Node or DOM APIs.
 * `web-static/dashboard.css` styles some of them by their values.
 */

/** Element ids. */
export const ID = /** @type {const} */ ({
  /** The root; its `data-*` attributes carry the session's name, base path, finish URL, state and page. */
  root: 'lg-dashboard',
  state: 'lg-state',
  /** The time left; its `data-expires` is the ISO expiry the page was rendered with (empty: none). */
  countdown: 'lg-countdown',
  extend: 'lg-extend',
  finish: 'lg-finish',
  prev: 'lg-prev',
  toc: 'lg-toc',
  next: 'lg-next',
  page: 'lg-page',
  tabs: 'lg-tabs',
  terminalTabs: 'lg-term-tabs',
  newTerminal: 'lg-new-term',
  panes: 'lg-panes',
  starting: 'lg-starting',
  startingDetail: 'lg-starting-detail',
  ended: 'lg-ended',
  endedLink: 'lg-ended-link',
})

/** Class names that the page renders or the browser code adds, and both (or the stylesheet) rely on. */
export const CLASS = /** @type {const} */ ({
  /** A terminal or web-app tab; web-app tabs carry `data-app`, terminal tabs `data-terminal`. */
  tab: 'lg-tab',
  /** The selected tab. */
  active: 'lg-active',
  /** A terminal's or web app's pane inside {@link ID.panes}. */
  pane: 'lg-pane',
  /** On the countdown when the session nears its expiry. */
  expiring: 'lg-expiring',
})
