import { Effect } from "effect";
import { InvalidStatusRow, StatusTableMissing } from "./SpecErrors.ts";

/** Where a phase stands. Only a `complete` phase's checkpoints can fail a verification run. */
export type Status = "complete" | "in progress" | "planned";

export const STATUSES: ReadonlyArray<Status> = ["complete", "in progress", "planned"];

/** A phase token (`P0`, `P12`) inside a heading, a file name or a table cell. */
export const PHASE = /(?<![A-Za-z0-9])(P\d+)(?![0-9])/;

export const phaseIn = (text: string): string | undefined => PHASE.exec(text)?.[1];

const cells = (row: string): ReadonlyArray<string> =>
  row
    .trim()
    .replace(/^\|/, "")
    .replace(/\|$/, "")
    .split("|")
    .map((cell) => cell.trim());

const plain = (cell: string) => cell.replace(/[*_`]/g, "").trim().toLowerCase();

const isTableRow = (line: string) => line.trim().startsWith("|");
const isDelimiterRow = (line: string) => /^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$/.test(line);

/** One row of a status table: its phase, status, 1-based line and every cell by its (plain, lowercase) header. */
export interface Row {
  readonly phase: string;
  readonly status: Status;
  readonly line: number;
  readonly cells: ReadonlyMap<string, string>;
}

/**
 * The rows of the first table of a spec's README whose header has a "Phase" and a "Status" column:
 * the single source of truth for what is complete.
 */
export const rows = (
  file: string,
  text: string,
): Effect.Effect<ReadonlyArray<Row>, StatusTableMissing | InvalidStatusRow> =>
  Effect.gen(function* () {
    const lines = text.split(/\r?\n/);
    for (let index = 0; index + 1 < lines.length; index++) {
      const header = lines[index] ?? "";
      if (!isTableRow(header) || !isDelimiterRow(lines[index + 1] ?? "")) continue;
      const names = cells(header).map(plain);
      const phaseColumn = names.indexOf("phase");
      const statusColumn = names.indexOf("status");
      if (phaseColumn === -1 || statusColumn === -1) continue;
      const result: Array<Row> = [];
      for (let row = index + 2; row < lines.length && isTableRow(lines[row] ?? ""); row++) {
        const line = row + 1;
        const values = cells(lines[row] ?? "");
        const phase = phaseIn(values[phaseColumn] ?? "");
        const status = plain(values[statusColumn] ?? "");
        if (phase === undefined) {
          return yield* new InvalidStatusRow({ file, line, detail: "the Phase cell names no phase (P0, P1, ...)" });
        }
        if (!STATUSES.includes(status as Status)) {
          return yield* new InvalidStatusRow({
            file,
            line,
            detail: `status "${status}" of ${phase} is not one of ${STATUSES.join(", ")}`,
          });
        }
        if (result.some((earlier) => earlier.phase === phase)) {
          return yield* new InvalidStatusRow({ file, line, detail: `${phase} is listed twice` });
        }
        const byName = new Map(names.map((name, column) => [name, values[column] ?? ""] as const));
        result.push({ phase, status: status as Status, line, cells: byName });
      }
      return result;
    }
    return yield* new StatusTableMissing({ file });
  });

/** The phases of a spec and their status, from its README's status table. */
export const parse = (
  file: string,
  text: string,
): Effect.Effect<ReadonlyMap<string, Status>, StatusTableMissing | InvalidStatusRow> =>
  Effect.map(rows(file, text), (all) => new Map(all.map((row) => [row.phase, row.status] as const)));
