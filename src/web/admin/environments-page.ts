import type { EnvironmentRow } from '../../broker/admin/environment-overview.js'
import { html, raw } from '../../http/html.js'
import { dataTable } from '../../http/data-table.js'
import { withQuery } from './layout.js'

/**
 * The Environments page's content: one row per environment with its workshop, state, capacity, reserve
 * target and live counts. The table is the live region the browser module refreshes on events.
 */
export function environmentsBody(environments: EnvironmentRow[]): string {
  const rows = environments.map(
    (e) =>
      html`<tr>
        <td>${e.name}</td>
        <td>${e.title} <span class="muted">${e.workshop}</span></td>
        <td class="state">${e.state}</td>
        <td class="num">${e.capacity === 0 ? 'unlimited' : e.capacity}</td>
        <td class="num">${e.reserved}</td>
        <td class="num">${e.allocated}</td>
        <td class="num">${e.unallocated}</td>
        <td class="num">${e.available === null ? 'unlimited' : e.available}</td>
        <td><a href="${withQuery('/admin/sessions/', { environment: e.name })}">Sessions</a></td>
      </tr>`,
  )
  return html`<div id="live" data-live="environments">
    ${raw(
      dataTable({
        caption:
          'Allocated: sessions with a learner. Waiting: reserves without one. Available: room left under the capacity.',
        columns: [
          'Environment',
          'Workshop',
          'State',
          ...['Capacity', 'Reserved', 'Allocated', 'Waiting', 'Available'].map((label) => ({
            label,
            num: true as const,
          })),
          'Sessions',
        ],
        rows,
        empty: 'This portal has no environments.',
      }),
    )}
  </div>`
}
