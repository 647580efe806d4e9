/**
 * The VU contexts' cookie jar (tough-cookie), loaded on the first `Set-Cookie` a run receives. A
 * load worker is a fresh thread that loads every module it imports again; tough-cookie and its
 * public-suffix list (tldts) cost ~70 ms of CPU to load there, which a run against a target that
 * never sets a cookie should not pay (bench/README.md, "Engine CPU per request, 7 Dec").
 */
import { createRequire } from 'node:module';
import type * as ToughCookie from 'tough-cookie';

export type CookieJar = ToughCookie.CookieJar;

let lib: typeof ToughCookie | null = null;

/** A new, empty cookie jar (loads tough-cookie on the first call in this thread). */
export function newCookieJar(): CookieJar {
  lib ??= createRequire(import.meta.url)('tough-cookie') as typeof ToughCookie;
  return new lib.CookieJar();
}
