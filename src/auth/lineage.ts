/** Token lineage queries: walking up to the ancestors and down to the descendants of a token. */
import type { Executor } from './rows.js'

/** True when any ancestor, starting at `parentId` and walking up, is revoked. One recursive query. */
export async function hasRevokedAncestor(db: Executor, parentId: string | null): Promise<boolean> {
  if (parentId === null) return false
  const row = await db
    .withRecursive('chain(id, parent_id, revoked)', (q) =>
      q
        .selectFrom('auth_tokens')
        .select(['id', 'parent_id', 'revoked'])
        .where('id', '=', parentId)
        .unionAll((q2) =>
          q2
            .selectFrom('auth_tokens as t')
            .innerJoin('chain', 'chain.parent_id', 't.id')
            .select(['t.id', 't.parent_id', 't.revoked']),
        ),
    )
    .selectFrom('chain')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('revoked', '=', 1)
    .executeTakeFirstOrThrow()
  return Number(row.n) > 0
}

/** Ids of the tokens in the subtrees rooted at `rootIds` (the roots included). One recursive query. */
export async function subtreeIds(db: Executor, rootIds: readonly string[]): Promise<string[]> {
  if (rootIds.length === 0) return []
  const rows = await db
    .withRecursive('subtree(id)', (q) =>
      q
        .selectFrom('auth_tokens')
        .select('id')
        .where('id', 'in', [...rootIds])
        .unionAll((q2) =>
          q2.selectFrom('auth_tokens as t').innerJoin('subtree', 'subtree.id', 't.parent_id').select('t.id'),
        ),
    )
    .selectFrom('subtree')
    .select('id')
    .execute()
  return [...new Set(rows.map((r) => r.id))]
}
