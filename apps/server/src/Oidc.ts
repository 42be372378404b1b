import { Config, Context, Data, Effect, Either, Layer, Option } from "effect";
import { createRemoteJWKSet, errors as JoseErrors, type JWTPayload, type JWTVerifyGetKey, jwtVerify } from "jose";
import { InvalidToken } from "./Token.ts";

/**
 * Tokens of an OpenID Connect identity provider: signed with one of its keys (its JWKS, fetched and cached), for
 * this API (`aud`), by it (`iss`), valid now within a bounded clock skew.
 */

/** Asymmetric algorithms only: an HS256 token claiming the provider's issuer is refused, whatever its key. */
export const ALGORITHMS = ["ES256", "RS256", "EdDSA"] as const;
export const DEFAULT_CLOCK_SKEW_SECONDS = 60;
export const MAX_CLOCK_SKEW_SECONDS = 300;
/**
 * How long after a fetch of the JWKS an unknown `kid` is refused without fetching again (jose's default): a key
 * rotated in within this window is accepted once it has passed. It bounds how often tokens naming made-up keys
 * make the server call the provider.
 */
export const DEFAULT_JWKS_COOLDOWN_SECONDS = 30;
/** How long fetched keys are used before they are fetched again, whatever the tokens name (jose's default). */
export const JWKS_MAX_AGE_SECONDS = 600;

/** Where each piece of the person is read from in the provider's tokens. */
export interface ClaimNames {
  readonly email: string;
  readonly emailVerified: string;
  readonly name: string;
}

export const DEFAULT_CLAIMS: ClaimNames = { email: "email", emailVerified: "email_verified", name: "name" };

/** An identity provider, from `AUTH_JWKS_URL`, `AUTH_ISSUER`, `AUTH_AUDIENCE` and the optional settings. */
export interface Settings {
  readonly jwksUrl: URL;
  readonly issuer: string;
  readonly audience: string;
  readonly claims: ClaimNames;
  readonly clockSkewSeconds: number;
}

/** A token issuer the server accepts: its `iss`, the audience it must name, and where its keys come from. */
export interface Issuer {
  readonly issuer: string;
  readonly audience: string;
  readonly claims: ClaimNames;
  readonly clockSkewSeconds: number;
  readonly keys: JWTVerifyGetKey;
}

/** The issuers whose tokens are accepted (matched by `iss`); none by default: HS256 tokens only. */
export class Issuers extends Context.Reference<Issuers>()("@beep/server/Oidc/Issuers", {
  defaultValue: (): ReadonlyArray<Issuer> => [],
}) {}

/** Who a verified token names. */
export interface Identity {
  readonly issuer: string;
  readonly subject: string;
  readonly email: string;
  readonly emailVerified: boolean;
  readonly name: string;
}

/** The provider's keys could not be fetched (unreachable, timed out, not a JWKS): not the caller's fault. */
export class KeysUnavailable extends Data.TaggedError("KeysUnavailable")<{ readonly detail: string }> {
  override get message() {
    return `the identity provider's keys are unavailable (${this.detail})`;
  }
}

/** Why the settings of the identity provider cannot be used: every problem, each safe to print. */
export class SettingsInvalid extends Data.TaggedError("SettingsInvalid")<{ readonly problems: ReadonlyArray<string> }> {
  override get message() {
    return this.problems.join("; ");
  }
}

const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]"]);

/** https, or http on this machine only: keys fetched in the clear could be swapped on the way. */
const jwksUrlProblem = (value: string): string | URL => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return "AUTH_JWKS_URL is not a URL";
  }
  if (url.protocol === "https:" || (url.protocol === "http:" && LOOPBACK.has(url.hostname))) return url;
  return "AUTH_JWKS_URL must be an https:// URL (http:// only for localhost)";
};

const text = (name: string) =>
  Config.option(Config.string(name)).pipe(
    Config.map(Option.map((value) => value.trim())),
    Config.map(Option.filter((value) => value !== "")),
  );

const raw = Config.all({
  jwksUrl: text("AUTH_JWKS_URL"),
  issuer: text("AUTH_ISSUER"),
  audience: text("AUTH_AUDIENCE"),
  email: text("AUTH_EMAIL_CLAIM"),
  emailVerified: text("AUTH_EMAIL_VERIFIED_CLAIM"),
  name: text("AUTH_NAME_CLAIM"),
  skew: text("AUTH_CLOCK_SKEW_SECONDS"),
});

const REQUIRED = ["AUTH_JWKS_URL", "AUTH_ISSUER", "AUTH_AUDIENCE"] as const;

/**
 * The identity provider's settings: none when `AUTH_JWKS_URL`, `AUTH_ISSUER` and `AUTH_AUDIENCE` are all unset;
 * refused, naming every problem, when only some are set or one is invalid.
 */
export const settings: Effect.Effect<Option.Option<Settings>, SettingsInvalid> = Effect.gen(function* () {
  const values = yield* Effect.orDie(raw);
  const required = [values.jwksUrl, values.issuer, values.audience];
  const problems: Array<string> = [];
  if (required.every(Option.isNone)) {
    const stray = [values.email, values.emailVerified, values.name, values.skew].some(Option.isSome);
    return stray
      ? yield* new SettingsInvalid({
          problems: ["AUTH_*_CLAIM and AUTH_CLOCK_SKEW_SECONDS need AUTH_JWKS_URL, AUTH_ISSUER and AUTH_AUDIENCE"],
        })
      : Option.none();
  }
  REQUIRED.forEach((name, i) => {
    if (Option.isNone(required[i] ?? Option.none()))
      problems.push(`${name} is not set (the identity provider needs all three)`);
  });
  const url = Option.map(values.jwksUrl, jwksUrlProblem);
  if (Option.isSome(url) && typeof url.value === "string") problems.push(url.value);
  let clockSkewSeconds = DEFAULT_CLOCK_SKEW_SECONDS;
  if (Option.isSome(values.skew)) {
    const seconds = Number(values.skew.value);
    if (!/^\d+$/.test(values.skew.value) || seconds > MAX_CLOCK_SKEW_SECONDS) {
      problems.push(`AUTH_CLOCK_SKEW_SECONDS must be a whole number of seconds from 0 to ${MAX_CLOCK_SKEW_SECONDS}`);
    } else {
      clockSkewSeconds = seconds;
    }
  }
  if (problems.length > 0) return yield* new SettingsInvalid({ problems });
  return Option.some({
    jwksUrl: Option.getOrThrow(url) as URL,
    issuer: Option.getOrThrow(values.issuer),
    audience: Option.getOrThrow(values.audience),
    clockSkewSeconds,
    claims: {
      email: Option.getOrElse(values.email, () => DEFAULT_CLAIMS.email),
      emailVerified: Option.getOrElse(values.emailVerified, () => DEFAULT_CLAIMS.emailVerified),
      name: Option.getOrElse(values.name, () => DEFAULT_CLAIMS.name),
    },
  });
});

export interface RemoteOptions {
  /** `DEFAULT_JWKS_COOLDOWN_SECONDS` unless given. */
  readonly cooldownSeconds?: number;
}

/** The provider of `settings`, its keys fetched from its JWKS URL: cached, and fetched again for an unknown `kid`. */
export const remote = (provider: Settings, options: RemoteOptions = {}): Issuer => ({
  issuer: provider.issuer,
  audience: provider.audience,
  claims: provider.claims,
  clockSkewSeconds: provider.clockSkewSeconds,
  keys: createRemoteJWKSet(provider.jwksUrl, {
    cooldownDuration: (options.cooldownSeconds ?? DEFAULT_JWKS_COOLDOWN_SECONDS) * 1000,
    cacheMaxAge: JWKS_MAX_AGE_SECONDS * 1000,
    timeoutDuration: 5000,
  }),
});

/** `Issuers` with the configured provider, if any. */
export const layer = (provider: Option.Option<Settings>, options: RemoteOptions = {}): Layer.Layer<never> =>
  Option.match(provider, {
    onNone: () => Layer.empty,
    onSome: (found) => Layer.succeed(Issuers, [remote(found, options)]),
  });

const refuse = (reason: string) => new InvalidToken({ reason });

const describe = (cause: unknown): InvalidToken | KeysUnavailable => {
  if (cause instanceof JoseErrors.JWTExpired) return refuse("token expired");
  if (cause instanceof JoseErrors.JWTClaimValidationFailed) {
    if (cause.reason === "missing") return refuse(`token claim "${cause.claim}" is missing`);
    if (cause.claim === "nbf") return refuse("token is not yet valid");
    if (cause.claim === "aud") return refuse("token audience is not accepted");
    if (cause.claim === "iss") return refuse("token issuer is not accepted");
    return refuse(`token claim "${cause.claim}" is invalid`);
  }
  if (cause instanceof JoseErrors.JWKSNoMatchingKey) return refuse("token signing key is not one of the issuer's keys");
  if (cause instanceof JoseErrors.JWKSMultipleMatchingKeys) return refuse("token does not say which key signed it");
  if (cause instanceof JoseErrors.JOSEAlgNotAllowed) return refuse("token algorithm is not allowed");
  if (cause instanceof JoseErrors.JWSSignatureVerificationFailed) return refuse("token signature is invalid");
  if (cause instanceof JoseErrors.JWKSTimeout) return new KeysUnavailable({ detail: "timed out" });
  if (cause instanceof JoseErrors.JWKSInvalid) return new KeysUnavailable({ detail: "not a JSON Web Key Set" });
  // The fetch itself: a non-200 answer or unparsable JSON (generic jose errors), or no answer at all.
  if (cause instanceof JoseErrors.JOSEError && cause.code === "ERR_JOSE_GENERIC") {
    return new KeysUnavailable({ detail: cause.message.slice(0, 100) });
  }
  if (!(cause instanceof JoseErrors.JOSEError)) return new KeysUnavailable({ detail: "unreachable" });
  return refuse("token is malformed");
};

const MAX_EMAIL = 320;
const MAX_NAME = 200;
const MAX_SUBJECT = 255;

const identityOf = (issuer: Issuer, payload: JWTPayload): Either.Either<Identity, InvalidToken> => {
  const subject = payload.sub;
  if (typeof subject !== "string" || subject === "" || subject.length > MAX_SUBJECT) {
    return Either.left(refuse('token claim "sub" is invalid'));
  }
  const email = payload[issuer.claims.email];
  if (typeof email !== "string" || email.trim() === "") {
    return Either.left(refuse(`token has no "${issuer.claims.email}" claim`));
  }
  const normalized = email.trim().toLowerCase();
  if (normalized.length > MAX_EMAIL || !/^[^\s@]+@[^\s@]+$/.test(normalized)) {
    return Either.left(refuse(`token claim "${issuer.claims.email}" is not an email address`));
  }
  const verified = payload[issuer.claims.emailVerified];
  const name = payload[issuer.claims.name];
  return Either.right({
    issuer: issuer.issuer,
    subject,
    email: normalized,
    // Some providers send the flag as a string.
    emailVerified: verified === true || verified === "true",
    name: (typeof name === "string" && name.trim() !== "" ? name.trim() : normalized).slice(0, MAX_NAME),
  });
};

/** Verifies `token` as one of `issuer`'s: signature, algorithm, `iss`, `aud`, `exp` (required), `nbf`, `sub`. */
export const verify = (issuer: Issuer, token: string): Effect.Effect<Identity, InvalidToken | KeysUnavailable> =>
  Effect.tryPromise({
    try: () =>
      jwtVerify(token, issuer.keys, {
        algorithms: [...ALGORITHMS],
        issuer: issuer.issuer,
        audience: issuer.audience,
        clockTolerance: issuer.clockSkewSeconds,
        requiredClaims: ["exp", "sub"],
      }),
    catch: describe,
  }).pipe(Effect.flatMap(({ payload }) => identityOf(issuer, payload)));
