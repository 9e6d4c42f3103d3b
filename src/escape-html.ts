/**
 * Escapes text for HTML element content and quoted attribute values. Shared by every layer that writes
 * HTML: the HTTP kit's `html` template (`src/http/html.ts`) and the instructions renderer, which sits below
 * the HTTP layer.
 */
export function escapeHtml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  )
}
