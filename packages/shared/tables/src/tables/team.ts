import { SharedEntityIds } from "@beep/shared-domain";
import { text, unique } from "drizzle-orm/pg-core";
import * as OrgTable from "../OrgTable.ts";

export const team = OrgTable.make(SharedEntityIds.TeamId)({ name: text("name").notNull() }, (t) => [
  unique("shared_team_organization_id_name_unique").on(t.organizationId, t.name),
]);
