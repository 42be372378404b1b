import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder";
import * as HttpApiError from "@effect/platform/HttpApiError";
import { Cause, Effect, Option } from "effect";
import { Api } from "./Api.ts";

/** The most of a request's own input (a value, a key) that a 400 repeats back. */
export const MAX_ECHO = 80;

const MAX_ISSUES = 10;
const MAX_LINE = 300;
const MAX_MESSAGE = 2000;

const cut = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max)}…`);

const ACTUAL = ", actual ";
const QUOTED = /"(?:[^"\\]|\\.)*"/g;

/**
 * The schema formatters echo input as `..., actual <value>` and as quoted keys and values (`["key"]`,
 * `Unable to decode "abc"`): each is cut to `MAX_ECHO` characters, and the line to `MAX_LINE` at most.
 */
const shortenLine = (line: string) => {
  const at = line.indexOf(ACTUAL);
  const head = at === -1 ? line : line.slice(0, at + ACTUAL.length);
  const actual = at === -1 ? "" : cut(line.slice(at + ACTUAL.length), MAX_ECHO);
  const quoted = head.replace(QUOTED, (literal) =>
    literal.length <= MAX_ECHO + 2 ? literal : `${literal.slice(0, MAX_ECHO + 1)}…"`,
  );
  return cut(quoted + actual, MAX_LINE);
};

const shortenMessage = (message: string) => cut(message.split("\n").map(shortenLine).join("\n"), MAX_MESSAGE);

export const shorten = (error: HttpApiError.HttpApiDecodeError) =>
  new HttpApiError.HttpApiDecodeError({
    issues: error.issues.slice(0, MAX_ISSUES).map((issue) => ({
      _tag: issue._tag,
      path: issue.path.map((key) => (typeof key === "string" ? cut(key, MAX_ECHO) : key)),
      message: shortenMessage(issue.message),
    })),
    message: shortenMessage(error.message),
  });

/**
 * An API middleware: a request that does not match its schemas (path, query or body) is a 400 that names
 * what is wrong but never reflects more than a short excerpt of the input, however long the input is.
 */
export const layer = HttpApiBuilder.middleware(Api, (app) =>
  // The app's error type is `never` here: decode failures are typed only once the router has run.
  Effect.catchSomeCause(app, (cause: Cause.Cause<unknown>) =>
    Cause.failureOption(cause).pipe(
      Option.filter(
        (error): error is HttpApiError.HttpApiDecodeError => error instanceof HttpApiError.HttpApiDecodeError,
      ),
      Option.map((error) => Effect.fail(shorten(error))),
    ),
  ),
);
