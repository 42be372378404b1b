import { Effect } from "effect";
import * as Db from "../../src/Db.ts";
import { withAdmin } from "./layers.ts";

/** An owner to create an organization with: a unique email per call. */
export const owner = (tag: string) => ({
  email: `${tag}-${Math.random().toString(36).slice(2)}@example.com`,
  name: tag,
});

/** pid and setting of a pool connection outside any transaction (the pool has one connection). */
export const poolState = Effect.flatMap(Db.Db, ({ sql }) =>
  Effect.promise(() => sql`select pg_backend_pid() as pid, current_setting('beep.context', true) as setting`),
).pipe(Effect.map((rows) => ({ pid: Number(rows[0]?.pid), setting: rows[0]?.setting as string | null })));

/** How many documents with this title the database holds, read as the superuser (what really was committed). */
export const countDocuments = (title: string) =>
  withAdmin((admin) => admin`select count(*)::int as n from documents_document where title = ${title}`).pipe(
    Effect.map((rows) => rows[0]?.n as number),
  );
