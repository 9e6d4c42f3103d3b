import { type Kysely, PostgresAdapter, sql } from 'kysely'

/**
 * Live-session counts kept by the database itself. Every allocation counts the portal's live sessions per
 * environment; read from the sessions (even through the covering index of 003) that costs time in
 * proportion to the live sessions, 1.65× from 10 to 10,000 of them. `live_counts` holds one row per
 * (portal, environment, live state, owned or not) with its count, and triggers on `sessions` keep it in
 * step within the same transaction, whoever writes (labgate, an operator's SQL, a rollback undoes both).
 * Counting then reads a handful of rows whatever the number of sessions.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('live_counts')
    .addColumn('portal', 'text', (c) => c.notNull())
    .addColumn('environment', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('owned', 'integer', (c) => c.notNull())
    .addColumn('n', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('live_counts_pk', ['portal', 'environment', 'state', 'owned'])
    .execute()
  if (db.getExecutor().adapter instanceof PostgresAdapter) await postgresTriggers(db)
  else await sqliteTriggers(db)
  await sql`
    insert into live_counts (portal, environment, state, owned, n)
    select portal, environment, state, case when owner is null then 0 else 1 end, count(*)
    from sessions where state in ('STARTING', 'WAITING', 'RUNNING')
    group by portal, environment, state, case when owner is null then 0 else 1 end
  `.execute(db)
}

const LIVE = sql.raw(`('STARTING', 'WAITING', 'RUNNING')`)

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function sqliteTriggers(db: Kysely<any>): Promise<void> {
  // The writer is alone on SQLite: the order of the two updates cannot deadlock.
  const add = (row: 'new' | 'old', delta: string) =>
    sql.raw(`
      insert into live_counts (portal, environment, state, owned, n)
      select ${row}.portal, ${row}.environment, ${row}.state, ${row}.owner is not null, ${delta}
      where ${row}.state in ('STARTING', 'WAITING', 'RUNNING')
      on conflict (portal, environment, state, owned) do update set n = n + excluded.n;`)
  await sql`create trigger sessions_live_counts_insert after insert on sessions
    when new.state in ${LIVE} begin ${add('new', '1')} end`.execute(db)
  await sql`create trigger sessions_live_counts_delete after delete on sessions
    when old.state in ${LIVE} begin ${add('old', '-1')} end`.execute(db)
  await sql`create trigger sessions_live_counts_update after update of portal, environment, state, owner
    on sessions
    when old.portal is not new.portal or old.environment is not new.environment
      or old.state is not new.state or (old.owner is null) is not (new.owner is null)
    begin ${add('old', '-1')} ${add('new', '1')} end`.execute(db)
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function postgresTriggers(db: Kysely<any>): Promise<void> {
  await sql`
    create function live_count_add(p text, e text, s text, o integer, d integer) returns void
    language sql as $$
      insert into live_counts (portal, environment, state, owned, n) values (p, e, s, o, d)
      on conflict (portal, environment, state, owned) do update set n = live_counts.n + excluded.n
    $$`.execute(db)
  // Concurrent transactions lock count rows as they change them: each takes its two in one order (the
  // smaller key first), so two opposite moves cannot deadlock.
  await sql`
    create function sessions_live_counts() returns trigger language plpgsql as $$
    declare
      old_live boolean := false;
      new_live boolean := false;
      old_key record;
      new_key record;
    begin
      if tg_op <> 'INSERT' and old.state in ${LIVE} then
        old_live := true;
        old_key := row(old.portal, old.environment, old.state, (old.owner is not null)::int);
      end if;
      if tg_op <> 'DELETE' and new.state in ${LIVE} then
        new_live := true;
        new_key := row(new.portal, new.environment, new.state, (new.owner is not null)::int);
      end if;
      if old_live and new_live then
        if old_key = new_key then
          return null;
        elsif new_key < old_key then
          perform live_count_add(new.portal, new.environment, new.state, (new.owner is not null)::int, 1);
          new_live := false;
        end if;
      end if;
      if old_live then
        perform live_count_add(old.portal, old.environment, old.state, (old.owner is not null)::int, -1);
      end if;
      if new_live then
        perform live_count_add(new.portal, new.environment, new.state, (new.owner is not null)::int, 1);
      end if;
      return null;
    end $$`.execute(db)
  await sql`
    create trigger sessions_live_counts after insert or delete or update of portal, environment, state, owner
    on sessions for each row execute function sessions_live_counts()`.execute(db)
}
