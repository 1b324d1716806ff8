/**
 * The TCP sockets in LISTEN state that belong to this process and its descendants (Linux /proc): which
 * address each one is bound to. Other processes on the machine (parallel tests, other servers) are ignored.
 */
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';

export interface ListeningSocket {
  pid: number;
  command: string;
  address: string;
  port: number;
}

function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // pid (comm) state ppid …; comm may contain spaces and parentheses, so split after the last ')'.
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

/** This process and every live descendant. */
function processTree(root = process.pid): number[] {
  const pids = readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number);
  const children = new Map<number, number[]>();
  for (const pid of pids) {
    const parent = parentOf(pid);
    if (parent !== undefined) children.set(parent, [...(children.get(parent) ?? []), pid]);
  }
  const tree: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.shift() as number;
    tree.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return tree;
}

function socketInodes(pid: number): Set<string> {
  const inodes = new Set<string>();
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
        const match = /^socket:\[(\d+)\]$/.exec(target);
        if (match) inodes.add(match[1] as string);
      } catch {
        // closed meanwhile
      }
    }
  } catch {
    // exited meanwhile
  }
  return inodes;
}

/** `0100007F:1F90` (little-endian IPv4) or a 32-hex-digit IPv6 → printable address. */
function decodeAddress(hex: string): string {
  if (hex.length === 8) return [3, 2, 1, 0].map((i) => parseInt(hex.slice(i * 2, i * 2 + 2), 16)).join('.');
  const words = [0, 1, 2, 3].map((i) => hex.slice(i * 8, i * 8 + 8));
  const bytes = words.flatMap((word) => [3, 2, 1, 0].map((i) => word.slice(i * 2, i * 2 + 2)));
  const groups = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => (bytes[i * 2] as string) + (bytes[i * 2 + 1] as string));
  const v4mapped = groups.slice(0, 5).every((g) => g === '0000') && groups[5]?.toLowerCase() === 'ffff';
  if (v4mapped) return `::ffff:${[12, 13, 14, 15].map((i) => parseInt(bytes[i] as string, 16)).join('.')}`;
  return groups.map((g) => parseInt(g, 16).toString(16)).join(':');
}

/** Listening TCP sockets of this process tree. */
export function listeningSockets(): ListeningSocket[] {
  const owners = new Map<string, number>();
  for (const pid of processTree()) for (const inode of socketInodes(pid)) owners.set(inode, pid);
  const sockets: ListeningSocket[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 10 || fields[3] !== '0A') continue; // 0A = LISTEN
      const pid = owners.get(fields[9] as string);
      if (pid === undefined) continue;
      const [addressHex, portHex] = (fields[1] as string).split(':') as [string, string];
      let command = '';
      try {
        command = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
      } catch {
        // exited meanwhile
      }
      sockets.push({ pid, command, address: decodeAddress(addressHex), port: parseInt(portHex, 16) });
    }
  }
  return sockets;
}

/** Whether an address is loopback (127.0.0.0/8, ::1, or IPv4-mapped loopback). */
export function isLoopbackAddress(address: string): boolean {
  return /^127\./.test(address) || address === '0:0:0:0:0:0:0:1' || /^::ffff:127\./.test(address);
}
