import { randomFillSync } from "node:crypto";

const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

/** Bits of the counter: the 12 of rand_a and the top 30 of rand_b (RFC 9562 §6.2, method 1, up to 42). */
const COUNTER_BITS = 42;
const COUNTER_LIMIT = 2 ** COUNTER_BITS;
/** A fresh millisecond seeds the counter below half its range, leaving at least 2^41 increments. */
const SEED_LIMIT = 2 ** (COUNTER_BITS - 1);

const randomSeed = () => {
  const bytes = randomFillSync(new Uint8Array(6));
  let seed = 0;
  for (const byte of bytes) seed = seed * 256 + byte;
  return seed % SEED_LIMIT;
};

/** The last timestamp and counter this process used: ids stay ordered when the millisecond repeats or the clock goes back. */
let lastMs = -1;
let counter = 0;

const next = (now: number): { ms: number; counter: number } => {
  if (now > lastMs) {
    lastMs = now;
    counter = randomSeed();
  } else {
    counter += 1;
    // The counter is spent: borrow the next millisecond, as the RFC allows, rather than repeat or wrap.
    if (counter >= COUNTER_LIMIT) {
      lastMs += 1;
      counter = randomSeed();
    }
  }
  return { ms: lastMs, counter };
};

/**
 * RFC 9562 UUID version 7: 48 bits of Unix milliseconds, a 42-bit counter, 32 random bits. Monotonic within a
 * process: every id sorts after the one made before it, even within one millisecond or when the clock steps back.
 */
export const uuidV7 = (now: number = Date.now()): string => {
  const { ms, counter: count } = next(now);
  const bytes = randomFillSync(new Uint8Array(16));
  let rest = ms;
  for (let i = 5; i >= 0; i--) {
    bytes[i] = rest % 256;
    rest = Math.floor(rest / 256);
  }
  // Counter bits 41..30 in rand_a (after the version), 29..0 in rand_b (after the variant); bytes 12-15 stay random.
  const high = Math.floor(count / 2 ** 30);
  const low = count % 2 ** 30;
  bytes[6] = 0x70 | (high >>> 8);
  bytes[7] = high & 0xff;
  bytes[8] = 0x80 | (low >>> 24);
  bytes[9] = (low >>> 16) & 0xff;
  bytes[10] = (low >>> 8) & 0xff;
  bytes[11] = low & 0xff;
  const h = hex(bytes);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
};
