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

/**
 * The phases of a spec and their status, from the first table of its README whose header has
 * a "Phase" and a "Status" column: the single source of truth for what is complete.
 */
export const parse = (
  file: string,
  text: string,
): Effect.Effect<ReadonlyMap<string, Status>, StatusTableMissing | InvalidStatusRow> =>
  Effect.gen(function* () {
    const lines = text.split(/\r?\n/);
    for (let index = 0; index + 1 < lines.length; index++) {
      const header = lines[index] ?? "";
      if (!isTableRow(header) || !isDelimiterRow(lines[index + 1] ?? "")) continue;
      const names = cells(header).map(plain);
      const phaseColumn = names.indexOf("phase");
      const statusColumn = names.indexOf("status");
      if (phaseColumn === -1 || statusColumn === -1) continue;
      const statuses = new Map<string, Status>();
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
        if (statuses.has(phase)) {
          return yield* new InvalidStatusRow({ file, line, detail: `${phase} is listed twice` });
        }
        statuses.set(phase, status as Status);
      }
      return statuses;
    }
    return yield* new StatusTableMissing({ file });
  });
