import { lstatSync, readdirSync, readlinkSync, statSync } from 'node:fs'
import { posix } from 'node:path'

/**
 * The host `/etc` entries a sandbox sees: what a shell, libc (name service, DNS, time zone, locale), TLS
 * clients, compilers, Python, git and editors read. Everything else of the host's `/etc` (service
 * configuration, credentials, labgate's own configuration if it lives there) stays out. A trailing `*`
 * matches any suffix (`python3*`: `python3`, `python3.11`). `/etc/passwd` and `/etc/group` are the
 * sandbox's own (see `identityFiles`), never the host's.
 */
// prettier-ignore
export const ETC_ALLOWLIST = [
  // Name service, network and DNS
  'nsswitch.conf', 'host.conf', 'hosts', 'resolv.conf', 'gai.conf', 'protocols', 'services', 'rpc',
  'networks', 'ethertypes',
  // TLS trust
  'ssl', 'ca-certificates', 'ca-certificates.conf', 'pki', 'crypto-policies',
  // Dynamic loader
  'ld.so.cache', 'ld.so.conf', 'ld.so.conf.d',
  // Time, locale, character sets
  'localtime', 'timezone', 'locale.alias', 'locale.gen', 'locale.conf', 'papersize',
  // Shells and terminals
  'profile', 'profile.d', 'bash.bashrc', 'bash_completion', 'bash_completion.d', 'environment', 'inputrc',
  'terminfo', 'shells', 'login.defs', 'screenrc', 'tmux.conf',
  // Identification of the distribution
  'os-release', 'lsb-release', 'debian_version', 'redhat-release', 'alpine-release',
  // Tools and languages
  'alternatives', 'mime.types', 'mailcap', 'magic', 'magic.mime', 'manpath.config', 'python3*', 'pip.conf',
  'gitconfig', 'vim', 'nanorc', 'emacs', 'gdb', 'perl', 'java*', 'fonts', 'xdg', 'wgetrc',
  'ssh/ssh_config', 'ssh/ssh_config.d',
]

/** One entry of the sandbox's `/etc`: a symlink recreated as such, or a host path bound read-only. */
export type EtcEntry = { path: string; symlink: string } | { path: string; source: string }

/**
 * The entries of {@link ETC_ALLOWLIST} that exist under `etc` (the host's `/etc`), as absolute `/etc/...`
 * paths (`source` is the host path to bind). A symlink into `/usr` or `/proc` (`localtime`, `mtab`...) is recreated as a symlink, since its
 * target is the sandbox's own; any other is bound (bwrap follows it on the host). A dangling one is
 * skipped, as bwrap would refuse to bind it.
 */
export function hostEtcEntries(etc = '/etc', allowlist = ETC_ALLOWLIST): EtcEntry[] {
  const entries: EtcEntry[] = []
  let names: string[] | undefined
  for (const pattern of allowlist) {
    let matches = [pattern]
    if (pattern.endsWith('*')) {
      names ??= safeReaddir(etc)
      matches = names.filter((n) => n.startsWith(pattern.slice(0, -1))).sort()
    }
    for (const name of matches) {
      const host = posix.join(etc, name)
      const path = posix.join('/etc', name)
      try {
        statSync(host)
      } catch {
        continue // absent or dangling
      }
      const target = lstatSync(host).isSymbolicLink() ? readlinkSync(host) : undefined
      const resolved = target && posix.resolve(posix.dirname(path), target)
      if (target && resolved && /^\/(usr|proc)\//.test(resolved)) entries.push({ path, symlink: target })
      else entries.push({ path, source: host })
    }
  }
  return entries
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir)
  } catch {
    return []
  }
}

/** The bwrap options that build the sandbox's `/etc` from `entries`. */
export function etcArgs(entries: EtcEntry[]): string[] {
  const args: string[] = []
  for (const entry of entries) {
    if ('symlink' in entry) args.push('--symlink', entry.symlink, entry.path)
    else args.push('--ro-bind', entry.source, entry.path)
  }
  return args
}
