/**
 * Escaping for the three output languages. Everything that comes from a plan, a target, a response
 * or an imported file is text: a scenario named `<script>alert(1)</script>` must show as those
 * characters in Markdown, HTML and XML, and must never run.
 */

/** HTML text and attribute values (double-quoted attributes). */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ENTITIES[c]!);
}

const HTML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * XML 1.0 text and attribute values. Characters XML 1.0 cannot carry at all (C0 controls other
 * than tab, newline and return; lone surrogates; U+FFFE/U+FFFF) are replaced by U+FFFD, since no
 * escape exists for them and a CI server rejects the whole file for one of them.
 */
export function escapeXml(text: string): string {
  return text
    // eslint-disable-next-line no-control-regex -- matching the characters XML 1.0 forbids is the point
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD')
    .replace(/[&<>"']/g, (c) => XML_ENTITIES[c]!);
}

const XML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/**
 * JSON for a `<script type="application/json">` block: `<`, `>` and `&` become `\u003c` etc., so
 * no `</script>` or `<!--` can end or bend the block, and U+2028/U+2029 are escaped so the text
 * stays valid if a reader ever evaluates it as JavaScript. `JSON.parse` reads it back unchanged.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/**
 * Markdown prose: escapes what would start code, emphasis, links, raw HTML, entities,
 * strikethrough or a table cell break, and folds newlines into spaces (one value never breaks a
 * paragraph or a table row). CommonMark allows a backslash before any ASCII punctuation, so
 * `\<script>` renders as the literal text `<script>` and never as a tag.
 *
 * Only characters that would act are escaped, so the raw file stays readable in a terminal:
 * `<` only before a letter, `/`, `!` or `?` (the only ways a tag or autolink starts); `_` only at a
 * word boundary (GFM ignores intraword underscores, as in `pool_in_use`); `&` only when it spells
 * an entity; `~` only when the text holds two (GFM strikethrough needs a pair); `\` only before
 * punctuation. Backticks, `*`, `[`, `]` and `|` are always escaped.
 */
export function escapeMarkdown(text: string): string {
  const flat = text.replace(/\r?\n|\r/g, ' ');
  // A tilde can only close a strikethrough when a non-space precedes it; without such a tilde no
  // pair can form and "~478 req/s … ~49 ms" stays as written.
  const tildes = (flat.match(/~/g) ?? []).length > 1 && /\S~/.test(flat);
  return flat.replace(/\\(?=[!-/:-@[-`{-~])|[`*[\]|]|<(?=[A-Za-z/!?])|&(?=#?[A-Za-z0-9]+;)|~|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])/g, (c) =>
    c === '~' && !tildes ? c : `\\${c}`,
  );
}

/**
 * A Markdown code span holding `text` literally: the fence is one backtick longer than the longest
 * run inside, with a space of padding when the text starts or ends with a backtick (CommonMark
 * 6.1). `|` is escaped because a GFM table splits cells on it even inside code spans.
 */
export function markdownCode(text: string): string {
  const flat = text.replace(/\r?\n|\r/g, ' ').replace(/\|/g, '\\|');
  const longest = Math.max(0, ...(flat.match(/`+/g) ?? []).map((r) => r.length));
  const fence = '`'.repeat(longest + 1);
  if (flat === '') return '` `';
  const pad = flat.startsWith('`') || flat.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${flat}${pad}${fence}`;
}
