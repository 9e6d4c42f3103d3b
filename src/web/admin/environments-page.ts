import type { EnvironmentRow } from '../../broker/admin/environment-overview.js'
import { html, raw } from '../../http/html.js'
import { withQuery } from './layout.js'

/**
 * The Environments page's content: one row per environment with its workshop, state, capacity, reserve
 * target and live counts. The table is the live region the browser module refreshes on events.
 */
export function environmentsBody(rows: EnvironmentRow[]): string {
  const body = rows
    .map(
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
    .join('')
  return html`<div id="live" data-live="environments">
    <table>
      <caption class="muted">
        Allocated: sessions with a learner. Waiting: reserves without one. Available: room left under the
        capacity.
      </caption>
      <thead>
        <tr>
          <th scope="col">Environment</th>
          <th scope="col">Workshop</th>
          <th scope="col">State</th>
          <th scope="col" class="num">Capacity</th>
          <th scope="col" class="num">Reserved</th>
          <th scope="col" class="num">Allocated</th>
          <th scope="col" class="num">Waiting</th>
          <th scope="col" class="num">Available</th>
          <th scope="col">Sessions</th>
        </tr>
      </thead>
      <tbody>
        ${raw(
          body ||
            html`<tr>
              <td colspan="9">This portal has no environments.</td>
            </tr>`,
        )}
      </tbody>
    </table>
  </div>`
}
