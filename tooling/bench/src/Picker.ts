import type * as Dataset from "./Dataset.ts";
import type * as Queries from "./Queries.ts";

/**
 * Picks documents from a key sample with a seeded generator (mulberry32): every variant built with the
 * same seed asks for the same documents in the same order.
 */
export const make = (keys: Dataset.Keys, seed = 0x5eed): (() => Queries.Args) => {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const documents = keys.documents;
  return () => {
    const document = documents[Math.floor(next() * documents.length)];
    if (document === undefined) throw new Error("the key sample is empty");
    return { organizationId: document.organizationId, documentId: document.id };
  };
};
