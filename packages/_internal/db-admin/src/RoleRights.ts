import { Data, Effect } from "effect";
import * as Sql from "./internal/sql.ts";
import { MigrationUnavailable } from "./MigrationErrors.ts";
import { APP_ROLE, attributesSql, ensureRoleSql, ROLE_ATTRIBUTES } from "./Roles.ts";

/** A statement the migrator may not run itself, for an operator who may (a superuser, or the provider's admin). */
export interface OperatorStep {
  readonly role: string;
  readonly statement: string;
}

/** The migrator may not create or repair a role it needs: nothing was changed; an operator must act first. */
export class RolesNeedOperator extends Data.TaggedError("RolesNeedOperator")<{
  readonly migrator: string;
  readonly steps: ReadonlyArray<OperatorStep>;
}> {
  override get message() {
    const statements = this.steps.map((step) => step.statement).join(" ");
    return `"${this.migrator}" may not create or change the roles ${this.steps.map((step) => step.role).join(", ")} (nothing was changed): have an operator run ${statements} then run db:migrate again`;
  }
}

export interface RequireOptions {
  /** The run will set `beep_app`'s password. */
  readonly settingAppPassword: boolean;
  /**
   * A pending migration creates or repairs the roles (`isRoleStatement`). Once applied, nothing of `db:migrate`
   * touches their attributes again, and on Citus `beep_admin` keeps the LOGIN the cluster gave it.
   */
  readonly creatingRoles: boolean;
}

const INSUFFICIENT_PRIVILEGE = "42501";

class Rollback {}

const isInsufficientPrivilege = (cause: unknown) =>
  typeof cause === "object" && cause !== null && (cause as { code?: unknown }).code === INSUFFICIENT_PRIVILEGE;

/**
 * What an operator must do before `db:migrate` can run as the role of `url`: the role statements the migrations
 * run (and, with `settingAppPassword`, setting `beep_app`'s password) are tried in a transaction that is always
 * rolled back, so the answer is PostgreSQL's own for this server and version, and nothing changes. A statement
 * refused for lack of privilege becomes a step; the migrations' role statements write nothing when a role is
 * already as it should be, so roles an operator created beforehand pass.
 */
export const operatorSteps = (
  url: string,
  options: RequireOptions,
): Effect.Effect<{ readonly migrator: string; readonly steps: ReadonlyArray<OperatorStep> }, MigrationUnavailable> =>
  Sql.use(
    url,
    async (sql) => {
      const steps: Array<OperatorStep> = [];
      let migrator = "";
      await sql
        .begin(async (tx) => {
          const [who] = await tx`select current_user as name`;
          migrator = String(who?.name);
          const refused = (statement: string) =>
            tx
              .savepoint((sp) => sp.unsafe(statement))
              .then(
                () => false,
                (cause: unknown) => {
                  if (isInsufficientPrivilege(cause)) return true;
                  throw cause;
                },
              );
          for (const [role, attributes] of options.creatingRoles ? Object.entries(ROLE_ATTRIBUTES) : []) {
            if (!(await refused(ensureRoleSql(role, attributes)))) continue;
            const [existing] = await tx`select 1 from pg_roles where rolname = ${role}`;
            const verb = existing === undefined ? "CREATE" : "ALTER";
            steps.push({ role, statement: `${verb} ROLE "${role}" ${attributesSql(attributes)};` });
          }
          const appRoleReady = !steps.some((step) => step.role === APP_ROLE);
          // The password itself is never tried here: any value shows whether the migrator may set one.
          if (options.settingAppPassword && appRoleReady && (await refused(`ALTER ROLE "${APP_ROLE}" PASSWORD NULL`))) {
            steps.push({
              role: APP_ROLE,
              statement: `ALTER ROLE "${APP_ROLE}" PASSWORD '<its password>'; (or unset BEEP_APP_PASSWORD and set it yourself)`,
            });
          }
          throw new Rollback();
        })
        .catch((cause: unknown) => {
          if (!(cause instanceof Rollback)) throw cause;
        });
      return { migrator, steps };
    },
    (cause) => new MigrationUnavailable({ cause }),
  );

/** Fails with the operator's steps when there are any, before anything changes. */
export const require = (url: string, options: RequireOptions) =>
  Effect.flatMap(operatorSteps(url, options), ({ migrator, steps }) =>
    steps.length === 0 ? Effect.void : Effect.fail(new RolesNeedOperator({ migrator, steps })),
  );
