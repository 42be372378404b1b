/** A fenced code block: ```` ```lang words ```` ... ```` ``` ````. */
export interface CodeBlock {
  /** The first word of the info string (`ts`, `sh`, ...), or "" when there is none. */
  readonly lang: string;
  /** The words after the language (`checkpoint`, `compile-only`, `phase=P2`, ...). */
  readonly words: ReadonlyArray<string>;
  readonly content: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
}

export interface Heading {
  readonly level: number;
  readonly text: string;
  readonly line: number;
}

export interface Link {
  readonly target: string;
  readonly line: number;
}

interface Fence {
  readonly char: string;
  readonly length: number;
  readonly indent: number;
}

const FENCE_OPEN = /^( {0,3})(`{3,}|~{3,})(.*)$/;

const openingFence = (line: string): { fence: Fence; info: string } | undefined => {
  const match = FENCE_OPEN.exec(line);
  const marks = match?.[2];
  if (match === null || marks === undefined) return undefined;
  const info = (match[3] ?? "").trim();
  // A backtick fence's info string may not contain a backtick (CommonMark).
  if (marks.startsWith("`") && info.includes("`")) return undefined;
  return { fence: { char: marks.charAt(0), length: marks.length, indent: match[1]?.length ?? 0 }, info };
};

const closes = (fence: Fence, line: string): boolean => {
  const trimmed = line.replace(/^ {0,3}/, "").trimEnd();
  return trimmed.length >= fence.length && [...trimmed].every((c) => c === fence.char);
};

/** Splits a document into fenced code blocks and the prose lines outside them. */
const scan = (text: string) => {
  const lines = text.split(/\r?\n/);
  const blocks: Array<CodeBlock> = [];
  const prose: Array<{ readonly text: string; readonly line: number }> = [];
  let open: { fence: Fence; info: string; line: number; body: Array<string> } | undefined;
  lines.forEach((raw, index) => {
    if (open !== undefined) {
      if (closes(open.fence, raw)) {
        const [lang = "", ...words] = open.info.split(/\s+/).filter((word) => word !== "");
        blocks.push({ lang, words, content: open.body.join("\n"), line: open.line });
        open = undefined;
      } else {
        // Content lines lose up to the fence's own indentation.
        open.body.push(raw.replace(new RegExp(`^ {0,${open.fence.indent}}`), ""));
      }
      return;
    }
    const opening = openingFence(raw);
    if (opening !== undefined) open = { ...opening, line: index + 1, body: [] };
    else prose.push({ text: raw, line: index + 1 });
  });
  // An unclosed fence runs to the end of the document.
  if (open !== undefined) {
    const [lang = "", ...words] = open.info.split(/\s+/).filter((word) => word !== "");
    blocks.push({ lang, words, content: open.body.join("\n"), line: open.line });
  }
  return { blocks, prose };
};

export const codeBlocks = (text: string): ReadonlyArray<CodeBlock> => scan(text).blocks;

export const headings = (text: string): ReadonlyArray<Heading> =>
  scan(text).prose.flatMap(({ text: line, line: number }) => {
    const match = /^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line);
    return match?.[1] === undefined ? [] : [{ level: match[1].length, text: match[2] ?? "", line: number }];
  });

/** Inline links and images, `[text](target "title")`, outside code blocks and code spans. */
export const links = (text: string): ReadonlyArray<Link> =>
  scan(text).prose.flatMap(({ text: line, line: number }) => {
    const withoutCode = line.replace(/(`+)[^`]*?\1/g, "");
    return [...withoutCode.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].flatMap((match) =>
      match[1] === undefined ? [] : [{ target: match[1], line: number }],
    );
  });

/** The anchor GitHub gives a heading: lowercase, punctuation dropped, spaces to hyphens. */
export const slug = (heading: string): string =>
  heading
    .replace(/`/g, "")
    .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
    .toLowerCase()
    .trim()
    .replace(/[^\p{L}\p{N}\p{M}\s_-]/gu, "")
    .replace(/\s/g, "-");

/** Every anchor a document defines, with GitHub's `-1`, `-2` suffixes for repeated headings. */
export const anchors = (text: string): ReadonlySet<string> => {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  for (const heading of headings(text)) {
    const base = slug(heading.text);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    result.add(count === 0 ? base : `${base}-${count}`);
  }
  return result;
};
