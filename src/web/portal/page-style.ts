/** The look the portal's own pages share (front page, workspaces page): a narrow readable column. */
export const PORTAL_PAGE_STYLE = `
  body {
    font: 16px/1.5 system-ui, sans-serif;
    max-width: 48rem;
    margin: 3rem auto;
    padding: 0 1rem;
    color: #1d2330;
  }
  .muted {
    color: #667085;
  }`
