/**
 * What a watcher may store or print about its target: URLs without passwords, SQL without literals.
 */

/** The URL with any password replaced by `***` (user names are kept: they tell which role connects). */
export function redactUrl(raw: string): string {
  try {
    const u = new URL(raw);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return raw.replace(/(\/\/[^:/@]+):[^@/]*@/, '$1:***@');
  }
}

/**
 * Replaces the literals still present in a query text with `?`.
 *
 * pg_stat_statements already stores normalised texts (`WHERE id = $1`), but not for every statement
 * (utility statements such as `SET x = 'y'` or `COPY` are kept as written), and a result file must
 * never carry a user's data. Replaced: single-quoted strings (with `''` escapes, and the E'', B'', X'',
 * U&'' prefixes), dollar-quoted strings (`$$...$$`, `$tag$...$tag$`) and numbers that stand alone (not
 * part of an identifier and not a `$1` bind parameter).
 */
export function scrubSqlLiterals(sql: string): string {
  let out = '';
  let i = 0;
  while (i < sql.length) {
    const c = sql[i];
    // dollar quoting: $tag$ ... $tag$ (a tag is an identifier without $, or empty)
    if (c === '$') {
      const m = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i));
      if (m) {
        const close = sql.indexOf(m[0], i + m[0].length);
        out += '?';
        i = close < 0 ? sql.length : close + m[0].length;
        continue;
      }
      // a bind parameter: keep `$12` as is
      const p = /^\$\d+/.exec(sql.slice(i));
      if (p) {
        out += p[0];
        i += p[0].length;
        continue;
      }
    }
    if (c === "'") {
      // drop a string prefix (E, B, X, N, U&) just written to out; E'' strings also escape with backslashes
      const prefix = /(?:\b[EeBbXxNn]|\b[Uu]&)$/.exec(out);
      const backslashEscapes = prefix !== null && /^[Ee]$/.test(prefix[0]);
      if (prefix) out = out.slice(0, out.length - prefix[0].length);
      let j = i + 1;
      for (;;) {
        if (j >= sql.length) break;
        if (sql[j] === "'" && sql[j + 1] === "'") {
          j += 2;
          continue;
        }
        if (sql[j] === '\\' && backslashEscapes) {
          j += 2;
          continue;
        }
        if (sql[j] === "'") break;
        j++;
      }
      out += '?';
      i = j + 1;
      continue;
    }
    if (c === '"') {
      // a quoted identifier: keep it as it is
      const close = sql.indexOf('"', i + 1);
      const end = close < 0 ? sql.length : close + 1;
      out += sql.slice(i, end);
      i = end;
      continue;
    }
    if (/[0-9]/.test(c) && !/[A-Za-z0-9_$.]/.test(sql[i - 1] ?? ' ')) {
      const m = /^(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+)/.exec(sql.slice(i));
      if (m && !/[A-Za-z_]/.test(sql[i + m[0].length] ?? ' ')) {
        out += '?';
        i += m[0].length;
        continue;
      }
    }
    if (/[A-Za-z_]/.test(c)) {
      // an identifier or keyword: copy it whole so digits inside it are never taken for numbers
      const m = /^[A-Za-z_][A-Za-z0-9_$]*/.exec(sql.slice(i))!;
      out += m[0];
      i += m[0].length;
      continue;
    }
    out += c;
    i++;
  }
  return out;
}
