import { ContextTicket } from "@beep/shared-tables";
import postgres from "postgres";
const admin = postgres("postgres://postgres@127.0.0.1:9700/beep", { max: 1, onnotice: () => {} });
const [k] = await admin`select inner_pad, outer_pad from beep_private.context_key`;
await admin.end();
// rebuild key? we don't have the key string; sign via pads instead: emulate HMAC with pads
import { createHash } from "node:crypto";
const sign = (body: string) => createHash("sha256").update(Buffer.concat([k!.outer_pad, createHash("sha256").update(Buffer.concat([k!.inner_pad, Buffer.from(body)])).digest()])).digest("hex");
const body = ["v1", "shared_organization__01a23600-0000-7000-8000-00000000000a", "", "", String(Date.now() + 60000).padStart(16, "0")].join(":");
const ticket = `${body}:${sign(body)}`;
const app = postgres("postgres://beep_app@127.0.0.1:9700/beep", { max: 1, onnotice: () => {} });
const r1 = await app.begin(async (tx) => { await tx`select set_config('beep.context', ${ticket}, true)`; return [await tx`select beep.current_org_id() as org`, await tx`select title from documents_document`]; });
console.log("set_config:", JSON.stringify(r1));
const r2 = await app.begin(async (tx) => { await tx.unsafe(`SET LOCAL citus.propagate_set_commands = 'local'`); await tx.unsafe(`SET LOCAL beep.context = '${ticket}'`); return [await tx`select beep.current_org_id() as org`, await tx`select title from documents_document`, await tx`select title from documents_document where organization_id = 'shared_organization__01a23600-0000-7000-8000-00000000000b'`]; });
console.log("set local:", JSON.stringify(r2));
const r3 = await app.begin(async (tx) => { await tx.unsafe(`SET LOCAL citus.propagate_set_commands = 'local'`); await tx.unsafe(`SET LOCAL beep.context = '${ticket}'`); return [await tx`explain select title from documents_document where organization_id = 'shared_organization__01a23600-0000-7000-8000-00000000000a' and id = 'x'`]; });
console.log("explain:", JSON.stringify(r3));
await app.end();
