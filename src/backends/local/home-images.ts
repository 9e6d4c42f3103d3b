import { accessSync, constants, existsSync } from 'node:fs'
import {
  chmod,
  chown,
  mkdir,
  open,
  readFile,
  readdir,
  rename,
  rm,
  rmdir,
  stat,
  unlink,
} from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import { basename, dirname, join } from 'node:path'
import { LabgateError } from '../../domain/errors.js'
import type { ProcessLauncher } from './launcher/launcher.js'

/** A session's image on a loop device, see {@link HomeImages.attach}. */
export interface AttachedHome {
  device: string
  /** Detaches the device (lazily while mounted). Never throws. */
  release(): Promise<void>
}

/** Options of {@link HomeImages}; `dataDir`, `size` and `launcher` are required. */
export interface HomeImagesOptions {
  /** labgate's data directory; images live in `<dataDir>/sessions/<session>/home.img`. */
  dataDir: string
  /** Size of each session's home filesystem, bytes. */
  size: number
  /** Runs mkfs, mount and umount, so that no fork blocks labgate's event loop. */
  launcher: ProcessLauncher
  /** How many formatted images are kept ready, so that no start waits for mkfs (default 2). */
  spares?: number
  log?: (msg: string) => void
}

const TOOLS = {
  mkfs: '/usr/sbin/mkfs.ext4',
  mount: '/usr/bin/mount',
  umount: '/usr/bin/umount',
  losetup: '/usr/sbin/losetup',
}
const TOOL_ENV = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' }
/** nodev and nosuid carry over to the sandbox's bind mount; noinit_itable keeps a fresh image sparse. */
const MOUNT_OPTIONS = 'nodev,nosuid,noinit_itable'
const REFILL_DELAY_MS = 500

/**
 * Why per-session home images cannot work here, or null when they can: they need root, loop devices
 * (`/dev/loop-control`), `mkfs.ext4` (e2fsprogs), and `mount` and `losetup` (util-linux).
 */
export function homeImagesUnavailable(): string | null {
  if (process.getuid?.() !== 0) return 'labgate does not run as root'
  if (!existsSync('/dev/loop-control')) return 'this machine has no loop devices (/dev/loop-control)'
  for (const tool of Object.values(TOOLS)) {
    try {
      accessSync(tool, constants.X_OK)
    } catch {
      return `${tool} is missing (apt-get install e2fsprogs mount)`
    }
  }
  return null
}

/**
 * Each session's home as its own ext4 filesystem in a sparse image file, loop-mounted on the home
 * directory: writing past its size fails with ENOSPC inside the sandbox, and the filesystem holding the data
 * directory (and `labgate.db`) gains at most that size per session. Images are formatted ahead, in the
 * background ({@link HomeImagesOptions.spares}), so a start only renames one and mounts it. A launcher that
 * can mounts the image in the sandbox's own mount namespace ({@link attach}); otherwise it is mounted in
 * the host's ({@link mount}). Either way the mount outlives labgate and is found again after a restart.
 */
export class HomeImages {
  readonly #o: HomeImagesOptions
  readonly #spareDir: string
  #refilling: Promise<void> = Promise.resolve()
  #closed = false

  constructor(o: HomeImagesOptions) {
    this.#o = o
    this.#spareDir = join(o.dataDir, 'sessions', '.spare')
  }

  /** Size of each home, bytes. */
  get size(): number {
    return this.#o.size
  }

  /**
   * Mounts the session's image on `home` (taking a formatted spare, or formatting one when none is left, for
   * a session without an image) and gives the filesystem's root to `uid`/`gid`, mode 0700. A home already
   * mounted is kept. Rejects with `backend_failed` when mkfs or mount fails.
   */
  async mount(session: string, home: string, uid: number, gid: number): Promise<void> {
    if (!(await isMountPoint(home))) {
      await this.#mountImage(await this.#image(home), home)
      await rmdir(join(home, 'lost+found')).catch(() => undefined)
    }
    await chown(home, uid, gid)
    await chmod(home, 0o700)
  }

  /**
   * Unmounts the session's home (lazily if something still holds it; the loop device goes with the last
   * user). The image stays, for {@link mount} or the session's purge. Idempotent; never throws.
   */
  async unmount(home: string): Promise<void> {
    if (!(await isMountPoint(home))) return
    try {
      await this.#run(TOOLS.umount, [home], dirname(home))
    } catch {
      await this.#run(TOOLS.umount, ['-l', home], dirname(home)).catch((e: Error) =>
        this.#o.log?.(`local backend: could not unmount ${home}: ${e.message}`),
      )
    }
  }

  /**
   * Attaches the session's image (taking a formatted spare, or formatting one when none is left, for a
   * session without an image) to a free loop device, for a launcher to mount where only the sandbox sees
   * it (`SandboxLaunch.home`). `release` must follow the sandbox's start, whether it started or
   * not: once mounted, the device then goes with the sandbox; unmounted, it goes at once. Rejects with
   * `backend_failed` when mkfs or losetup fails.
   */
  async attach(home: string): Promise<AttachedHome> {
    // Mounted on the host by an earlier start (before labgate mounted homes in sandboxes): never twice.
    await this.unmount(home)
    const device = await this.#attach(await this.#image(home), dirname(home))
    return { device, release: () => this.#detach(device, dirname(home)) }
  }

  /**
   * The session's image beside `home`: the one it has, else a formatted spare, else one formatted now.
   * Taking a spare starts making the next.
   */
  async #image(home: string): Promise<string> {
    const image = imagePath(home)
    if (existsSync(image)) return image
    if (!(await this.#takeSpare(image))) await this.#format(image)
    // Formatting the next spare is CPU work: leave the start that took this one the machine first.
    setTimeout(() => this.#refill(), REFILL_DELAY_MS).unref()
    return image
  }

  /**
   * Attaches `image` to a free loop device and mounts that on `home`; the device goes when the home is
   * unmounted. Not `mount -o loop`: util-linux then opens every loop device on the host to look for one
   * already backed by the image, which took 26 ms with one home mounted and 94 ms with 1,500, and
   * kept growing.
   */
  async #mountImage(image: string, home: string): Promise<void> {
    const device = await this.#attach(image, dirname(home))
    try {
      await this.#run(TOOLS.mount, ['-t', 'ext4', '-o', MOUNT_OPTIONS, device, home], dirname(home))
    } finally {
      await this.#detach(device, dirname(home))
    }
  }

  /**
   * `losetup --find --show`: the kernel names a free device, and losetup retries when a concurrent start
   * takes it first.
   */
  async #attach(image: string, cwd: string): Promise<string> {
    // losetup prints the device on stdout; the launcher gives tools only a stderr file.
    const shown = await this.#run(
      '/bin/sh',
      ['-c', 'exec "$0" "$@" 1>&2', TOOLS.losetup, '--find', '--show', image],
      cwd,
    )
    const device = /^\/dev\/loop\d+$/m.exec(shown)?.[0]
    if (!device) {
      throw new LabgateError(
        'backend_failed',
        `losetup did not name a loop device for ${image}: ${shown.trim()}`,
      )
    }
    return device
  }

  /** Detaching a mounted device only marks it to go with its last user (autoclear); unmounted, it goes. */
  async #detach(device: string, cwd: string): Promise<void> {
    await this.#run(TOOLS.losetup, ['--detach', device], cwd).then(
      () => undefined,
      (e: Error) => this.#o.log?.(`local backend: could not release ${device}: ${e.message}`),
    )
  }

  /** Starts formatting spares up to the configured count, in the background. */
  prepare(): void {
    this.#refill()
  }

  /** Stops formatting spares and resolves once the one under way has finished. */
  async close(): Promise<void> {
    this.#closed = true
    await this.#refilling
  }

  #refill(): void {
    if (this.#closed) return
    this.#refilling = this.#refilling.then(async () => {
      try {
        await mkdir(this.#spareDir, { recursive: true, mode: 0o700 })
        while (!this.#closed && (await this.#spares(true)).length < (this.#o.spares ?? 2)) {
          const part = join(this.#spareDir, `${randomBytes(6).toString('hex')}.part`)
          await this.#format(part)
          await rename(part, part.replace(/\.part$/, '.img'))
        }
      } catch (e) {
        this.#o.log?.(`local backend: could not format a spare home image: ${(e as Error).message}`)
      }
    })
  }

  /**
   * Ready spares of the configured size. With `cleanup` (only while no spare is being made), others (left
   * over from another size, or half-made) are deleted.
   */
  async #spares(cleanup: boolean): Promise<string[]> {
    const ready: string[] = []
    for (const name of await readdir(this.#spareDir).catch(() => [] as string[])) {
      const path = join(this.#spareDir, name)
      const st = await stat(path).catch(() => null)
      if (name.endsWith('.img') && st?.size === this.#o.size) ready.push(path)
      else if (cleanup) await rm(path, { force: true })
    }
    return ready
  }

  /** Moves a ready spare to `image`; false when none is left (a concurrent start may take the same one). */
  async #takeSpare(image: string): Promise<boolean> {
    for (const spare of await this.#spares(false)) {
      if (
        await rename(spare, image).then(
          () => true,
          () => false,
        )
      )
        return true
    }
    return false
  }

  /** A sparse file of the configured size holding a fresh ext4 filesystem (no reserved blocks). */
  async #format(path: string): Promise<void> {
    const file = await open(path, 'w', 0o600)
    try {
      await file.truncate(this.#o.size)
    } finally {
      await file.close()
    }
    const opts = 'lazy_itable_init=1,lazy_journal_init=1,nodiscard'
    try {
      await this.#run(TOOLS.mkfs, ['-q', '-F', '-m', '0', '-E', opts, path], dirname(path))
    } catch (e) {
      await unlink(path).catch(() => undefined)
      throw e
    }
  }

  /**
   * Runs a tool through the launcher and waits for it; resolves with what it wrote on stderr, rejects with
   * `backend_failed` quoting it.
   */
  async #run(file: string, args: string[], cwd: string): Promise<string> {
    const stderrFile = join(cwd, `.${basename(file)}-${randomBytes(4).toString('hex')}.log`)
    // The launcher holds the process up only until the tool runs; its exit is awaited here.
    const hold = setInterval(() => undefined, 60_000)
    try {
      const child = await this.#o.launcher.spawnDaemon({
        file,
        args,
        env: TOOL_ENV,
        cwd,
        stderrFile,
        files: [],
      })
      const status = await child.exit
      const stderr = await readFile(stderrFile, 'utf8').catch(() => '')
      if (status?.code !== 0) {
        const how = status ? (status.signal ?? `status ${status.code}`) : 'unknown status'
        throw new LabgateError(
          'backend_failed',
          `${basename(file)} ${args.join(' ')} failed (${how}): ${stderr.trim().slice(0, 2000)}`,
        )
      }
      return stderr
    } finally {
      clearInterval(hold)
      await unlink(stderrFile).catch(() => undefined)
    }
  }
}

/** `<sessionDir>/home.img` beside `<sessionDir>/home`. */
const imagePath = (home: string) => join(dirname(home), 'home.img')

/** True when a filesystem is mounted on `dir` (it sits on another device than its parent). */
async function isMountPoint(dir: string): Promise<boolean> {
  const [own, parent] = await Promise.all([stat(dir).catch(() => null), stat(dirname(dir)).catch(() => null)])
  return own !== null && parent !== null && own.dev !== parent.dev
}
