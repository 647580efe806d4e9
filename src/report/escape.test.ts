import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { escapeHtml, escapeMarkdown, escapeXml, jsonForScript, markdownCode } from './escape.js';

test('HTML escaping turns markup into text', () => {
  assert.equal(escapeHtml('<script>alert("x")</script> & \'y\''), '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;');
  fc.assert(
    fc.property(fc.string(), (s) => {
      const out = escapeHtml(s);
      assert.ok(!/[<>"']/.test(out));
      assert.ok(!/&(?!amp;|lt;|gt;|quot;|#39;)/.test(out));
    }),
  );
});

test('JSON for a script block has no < > & or line separators, and parses back unchanged', () => {
  const hostile = { name: '</script><script>alert(1)</script><!--', sep: 'a\u2028b\u2029c', amp: 'x&y' };
  const out = jsonForScript(hostile);
  assert.ok(!/[<>&\u2028\u2029]/.test(out), out);
  assert.deepEqual(JSON.parse(out), hostile);
  fc.assert(
    fc.property(fc.jsonValue(), (v) => {
      const text = jsonForScript(v);
      assert.ok(!/[<>&\u2028\u2029]/.test(text));
      assert.deepEqual(JSON.parse(text), JSON.parse(JSON.stringify(v)));
    }),
  );
});

test('XML escaping yields well-formed text that parses back (forbidden characters become U+FFFD)', () => {
  const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', processEntities: true, trimValues: false });
  fc.assert(
    fc.property(fc.string({ unit: 'binary' }), (s) => {
      const doc = `<r a="${escapeXml(s)}">${escapeXml(s)}</r>`;
      assert.equal(XMLValidator.validate(doc), true, doc);
      const expected = s.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD'); // eslint-disable-line no-control-regex
      const parsed = parser.parse(doc) as { r: { a: string; '#text'?: string } | string };
      const text = typeof parsed.r === 'string' ? parsed.r : (parsed.r['#text'] ?? '');
      // The parser normalises \r\n in text; compare the escaped characters that matter.
      assert.equal(String(text).replace(/\r\n?/g, '\n'), expected.replace(/\r\n?/g, '\n'));
    }),
    { numRuns: 300 },
  );
});

test('Markdown prose: tags, code, emphasis, links and table pipes are neutralised; plain prose stays readable', () => {
  assert.equal(escapeMarkdown('<script>alert(1)</script>'), '\\<script>alert(1)\\</script>');
  assert.equal(escapeMarkdown('p95 < 200 ms, p99 > 1 s'), 'p95 < 200 ms, p99 > 1 s');
  assert.equal(escapeMarkdown('pool_in_use and _this_'), 'pool_in_use and \\_this\\_');
  assert.equal(escapeMarkdown('a|b `c` *d* [e](f)'), 'a\\|b \\`c\\` \\*d\\* \\[e\\](f)');
  assert.equal(escapeMarkdown('~478 req/s'), '~478 req/s');
  assert.equal(escapeMarkdown('~~gone~~'), '\\~\\~gone\\~\\~');
  assert.equal(escapeMarkdown('&amp; & AT&T'), '\\&amp; & AT&T');
  assert.equal(escapeMarkdown('line\nbreak'), 'line break');
  fc.assert(
    fc.property(fc.string(), (s) => {
      const out = escapeMarkdown(s);
      // Every pipe is escaped (an odd run of backslashes before it), so a table row keeps its cells.
      for (const m of out.matchAll(/(\\*)\|/g)) assert.equal(m[1]!.length % 2, 1, out);
      // No tag can open: every `<` before a letter or / is escaped.
      for (const m of out.matchAll(/(\\*)<(?=[A-Za-z/!?])/g)) assert.equal(m[1]!.length % 2, 1, out);
      assert.ok(!/[\r\n]/.test(out));
    }),
  );
});

test('Markdown code spans hold any text literally', () => {
  assert.equal(markdownCode('GET /items'), '`GET /items`');
  assert.equal(markdownCode('a`b'), '``a`b``');
  assert.equal(markdownCode('`x`'), '`` `x` ``');
  assert.equal(markdownCode('a|b'), '`a\\|b`');
  assert.equal(markdownCode(''), '` `');
});

test('tildes are escaped only when they could strike text through', () => {
  assert.equal(escapeMarkdown('about ~49 ms, aims at ~485 req/s'), 'about ~49 ms, aims at ~485 req/s');
  assert.equal(escapeMarkdown('~a~'), '\\~a\\~');
});
