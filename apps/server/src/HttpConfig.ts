import { Config, ConfigError, Either, Option } from "effect";

/** The HTTP settings `bun run dev` and `bun run start` both read. */
export interface HttpSettings {
  /** `CORS_ORIGINS`: the exact origins browsers may call from. Empty (the default): no CORS headers at all. */
  readonly corsOrigins: ReadonlyArray<string>;
  /** `PUBLIC_URL`: where clients reach the API, the OpenAPI document's server. None: the listening URL. */
  readonly publicUrl: Option.Option<string>;
}

const isHttp = (url: URL) => url.protocol === "http:" || url.protocol === "https:";

const parseUrl = (text: string): URL | undefined => {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
};

/** `https://app.example,http://localhost:5173`: each entry an exact origin (scheme, host, port; no path, no `*`). */
export const parseOrigins = (text: string): Either.Either<ReadonlyArray<string>, string> => {
  const entries = text
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "");
  for (const entry of entries) {
    const url = parseUrl(entry);
    if (url === undefined || !isHttp(url) || url.origin !== entry) {
      return Either.left(
        `${JSON.stringify(entry.slice(0, 80))} is not an exact origin (scheme://host[:port], no path or trailing slash)`,
      );
    }
  }
  return Either.right([...new Set(entries)]);
};

/** An `http(s)://` URL without query or fragment; a trailing slash is dropped. */
export const parsePublicUrl = (text: string): Either.Either<string, string> => {
  const url = parseUrl(text.trim());
  if (url === undefined || !isHttp(url) || url.search !== "" || url.hash !== "") {
    return Either.left("expected an http:// or https:// URL without query or fragment");
  }
  return Either.right(url.href.replace(/\/$/, ""));
};

const invalid = (name: string) => (message: string) => ConfigError.InvalidData([name], message);

export const corsOrigins: Config.Config<ReadonlyArray<string>> = Config.string("CORS_ORIGINS").pipe(
  Config.withDefault(""),
  Config.mapOrFail((text) => Either.mapLeft(parseOrigins(text), invalid("CORS_ORIGINS"))),
);

export const publicUrl: Config.Config<Option.Option<string>> = Config.string("PUBLIC_URL").pipe(
  Config.withDefault(""),
  Config.mapOrFail((text) =>
    text.trim() === ""
      ? Either.right(Option.none())
      : Either.map(Either.mapLeft(parsePublicUrl(text), invalid("PUBLIC_URL")), Option.some),
  ),
);

export const config: Config.Config<HttpSettings> = Config.all({ corsOrigins, publicUrl });
