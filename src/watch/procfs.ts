/**
 * Reading Linux /proc: who listens on a TCP port, which processes have a given name, and one
 * process's CPU ticks, RSS, threads and open fds. The parsers are pure functions of the file text
 * (tested on captured text); the readers are thin async wrappers.
 *
 * Sources: proc(5) — /proc/net/tcp columns, /proc/PID/stat fields 14 (utime), 15 (stime) and 22
 * (starttime) in clock ticks, /proc/PID/status VmRSS (kB) and Threads.
 */
import { readFile, readdir, readlink } from 'node:fs/promises';
import { basename } from 'node:path';

/** TCP state LISTEN in /proc/net/tcp's `st` column (include/net/tcp_states.h: TCP_LISTEN = 10). */
const TCP_LISTEN = '0A';

/**
 * Socket inodes listening on `port` in the text of /proc/net/tcp or /proc/net/tcp6.
 * A line is `sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ...`,
 * local_address is `HEXADDR:HEXPORT`.
 */
export function listeningInodes(netTcpText: string, port: number): string[] {
  const out: string[] = [];
  const lines = netTcpText.split('\n');
  for (let i = 1; i < lines.length; i++) {
    const f = lines[i].trim().split(/\s+/);
    if (f.length < 10) continue;
    const local = f[1];
    const colon = local.lastIndexOf(':');
    if (colon < 0) continue;
    if (parseInt(local.slice(colon + 1), 16) !== port) continue;
    if (f[3] !== TCP_LISTEN) continue;
    if (f[9] !== '0') out.push(f[9]);
  }
  return out;
}

export interface ProcStat {
  pid: number;
  /** the name in parentheses (the kernel's comm, at most 15 bytes) */
  comm: string;
  state: string;
  /** user + system CPU time in clock ticks */
  cpuTicks: number;
  /** start time after boot in clock ticks: with the pid, identifies one process across pid reuse */
  startTicks: number;
  threads: number;
}

/**
 * Parses /proc/PID/stat. The comm field may itself contain spaces and parentheses, so the fields
 * after it are found from the *last* ')'.
 */
export function parseProcStat(text: string): ProcStat {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) throw new Error('unreadable /proc stat line');
  const pid = Number(text.slice(0, open).trim());
  const comm = text.slice(open + 1, close);
  // rest[0] is field 3 (state); field n is rest[n - 3]
  const rest = text.slice(close + 2).trim().split(/\s+/);
  const utime = Number(rest[14 - 3]);
  const stime = Number(rest[15 - 3]);
  return {
    pid,
    comm,
    state: rest[0],
    cpuTicks: utime + stime,
    startTicks: Number(rest[22 - 3]),
    threads: Number(rest[20 - 3]),
  };
}

/** VmRSS in bytes from /proc/PID/status (0 for kernel threads and zombies, which have none). */
export function parseStatusRssBytes(text: string): number {
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(text);
  return m ? Number(m[1]) * 1024 : 0;
}

/** The basename of argv[0] in /proc/PID/cmdline (NUL-separated), up to its first space. */
export function argv0Name(cmdline: string): string {
  const argv0 = cmdline.split('\0')[0] ?? '';
  return basename(argv0.split(' ')[0] ?? '');
}

async function readText(path: string): Promise<string> {
  return readFile(path, 'utf8');
}

/** Numeric entries of /proc. */
export async function listPids(): Promise<number[]> {
  const names = await readdir('/proc');
  const out: number[] = [];
  for (const n of names) if (/^\d+$/.test(n)) out.push(Number(n));
  return out;
}

/** Socket inodes listening on `port` over IPv4 and IPv6. */
export async function readListeningInodes(port: number): Promise<Set<string>> {
  const found = new Set<string>();
  for (const f of ['/proc/net/tcp', '/proc/net/tcp6']) {
    try {
      for (const inode of listeningInodes(await readText(f), port)) found.add(inode);
    } catch {
      // tcp6 is absent on kernels without IPv6
    }
  }
  return found;
}

/**
 * Pids holding any of the socket inodes open (links in /proc/PID/fd read `socket:[INODE]`). Processes
 * whose fds we may not read (another user's, when not root) are skipped: `unreadable` counts them so
 * the caller can say why nothing was found.
 */
export async function pidsOwningSockets(inodes: Set<string>): Promise<{ pids: number[]; fdLinks: Array<{ path: string; link: string }>; unreadable: number }> {
  const pids: number[] = [];
  const fdLinks: Array<{ path: string; link: string }> = [];
  let unreadable = 0;
  const wanted = new Set([...inodes].map((i) => `socket:[${i}]`));
  for (const pid of await listPids()) {
    let fds: string[];
    try {
      fds = await readdir(`/proc/${pid}/fd`);
    } catch {
      unreadable++;
      continue;
    }
    for (const fd of fds) {
      let link: string;
      try {
        link = await readlink(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      if (wanted.has(link)) {
        pids.push(pid);
        fdLinks.push({ path: `/proc/${pid}/fd/${fd}`, link });
        break;
      }
    }
  }
  return { pids, fdLinks, unreadable };
}

/** True when every fd still links to the same socket (the listeners found before are still there). */
export async function fdLinksHold(fdLinks: Array<{ path: string; link: string }>): Promise<boolean> {
  for (const { path, link } of fdLinks) {
    try {
      if ((await readlink(path)) !== link) return false;
    } catch {
      return false;
    }
  }
  return fdLinks.length > 0;
}

/** Whether the process's comm or argv[0] basename equals `name`; false when it is gone. */
export async function processHasName(pid: number, name: string): Promise<boolean> {
  try {
    if ((await readText(`/proc/${pid}/comm`)).trim() === name) return true;
    const cmdline = await readText(`/proc/${pid}/cmdline`);
    return cmdline !== '' && argv0Name(cmdline) === name;
  } catch {
    return false; // the process ended while we looked
  }
}

/**
 * Pids whose comm or argv[0] basename equals `name`. `known` caches the answer per pid between calls
 * (a process keeps its name; reading two files of every process each second would cost the generator
 * ~40 ms of CPU per sample on a machine with a hundred processes): only pids not seen before are read,
 * and pids that are gone leave the cache.
 */
export async function pidsNamed(name: string, known: Map<number, boolean> = new Map()): Promise<number[]> {
  const pids = await listPids();
  const alive = new Set(pids);
  for (const pid of known.keys()) if (!alive.has(pid)) known.delete(pid);
  const out: number[] = [];
  for (const pid of pids) {
    let has = known.get(pid);
    if (has === undefined) {
      has = await processHasName(pid, name);
      known.set(pid, has);
    }
    if (has) out.push(pid);
  }
  return out;
}

export interface ProcSnapshot extends ProcStat {
  rssBytes: number;
  /** open file descriptors; null when /proc/PID/fd is not readable (another user's process) */
  fds: number | null;
  /** its soft limit of open files (RLIMIT_NOFILE, /proc/PID/limits); null when unreadable or unlimited */
  fdLimit: number | null;
}

/** The soft "Max open files" of a /proc/PID/limits text; null when absent or unlimited. */
export function parseLimitsMaxOpenFiles(text: string): number | null {
  const m = /^Max open files\s+(\S+)/m.exec(text);
  if (!m || m[1] === 'unlimited') return null;
  const n = Number(m[1]);
  return Number.isFinite(n) ? n : null;
}

/** One process's figures now; throws when the process is gone. */
export async function readProcess(pid: number): Promise<ProcSnapshot> {
  const stat = parseProcStat(await readText(`/proc/${pid}/stat`));
  const rssBytes = parseStatusRssBytes(await readText(`/proc/${pid}/status`));
  let fds: number | null = null;
  try {
    fds = (await readdir(`/proc/${pid}/fd`)).length;
  } catch {
    fds = null;
  }
  let fdLimit: number | null = null;
  try {
    fdLimit = parseLimitsMaxOpenFiles(await readText(`/proc/${pid}/limits`));
  } catch {
    fdLimit = null;
  }
  return { ...stat, rssBytes, fds, fdLimit };
}
