import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { LabgateError } from '../../domain/errors.js'
import { isSafeSessionName } from './handle.js'

/** A range of host uids reserved for sandboxes (like a subordinate uid range); gids are the same numbers. */
export interface UidRange {
  /** The first uid of the range (> 0). */
  first: number
  /** How many uids, from `first`. */
  count: number
}

/**
 * Hands each session its own host uid (and the gid of the same number) from a reserved range, so per-user
 * kernel limits (inotify instances, pipe buffers, mqueues, process counts) and file ownership separate
 * sessions. A session keeps its uid as long as its home exists: the allocation is derived from disk (the
 * owner of `<dataDir>/sessions/<session>/home`), so it is the same after a labgate restart, plus an
 * in-process set so that concurrent starts never share a uid.
 */
export class SessionUids {
  readonly #range: UidRange
  readonly #dataDir: string
  /** uid of each session with a home (or a start under way). */
  readonly #bySession = new Map<string, number>()
  readonly #taken = new Set<number>()
  #next: number

  /** Throws `config_invalid` for a range that includes uid 0 or leaves 32-bit uids. */
  constructor(dataDir: string, range: UidRange) {
    if (
      !Number.isSafeInteger(range.first) ||
      !Number.isSafeInteger(range.count) ||
      range.first < 1 ||
      range.count < 1 ||
      range.first + range.count > 0xffff_fffe
    ) {
      throw new LabgateError('config_invalid', `invalid sandbox uid range ${range.first}+${range.count}`)
    }
    this.#range = range
    this.#dataDir = dataDir
    this.#next = range.first
    this.#scan()
  }

  /** The range uids come from. */
  get range(): UidRange {
    return this.#range
  }

  /**
   * The session's uid: the one it already has (its home's owner, when in the range), else the next free
   * one. Throws `unavailable` when every uid of the range is in use.
   */
  acquire(session: string): number {
    const known = this.#bySession.get(session)
    if (known !== undefined) return known
    const owner = this.#homeOwner(session)
    if (owner !== undefined && !this.#taken.has(owner)) return this.#record(session, owner)
    for (let i = 0; i < this.#range.count; i += 1) {
      const uid = this.#next
      this.#next = uid + 1 >= this.#range.first + this.#range.count ? this.#range.first : uid + 1
      if (!this.#taken.has(uid)) return this.#record(session, uid)
    }
    throw new LabgateError('unavailable', `every sandbox uid of ${this.#describe()} is in use`)
  }

  /** Frees the session's uid (once its home is deleted). Idempotent. */
  release(session: string): void {
    const uid = this.#bySession.get(session)
    if (uid === undefined) return
    this.#bySession.delete(session)
    this.#taken.delete(uid)
  }

  #record(session: string, uid: number): number {
    this.#bySession.set(session, uid)
    this.#taken.add(uid)
    return uid
  }

  #inRange(uid: number): boolean {
    return uid >= this.#range.first && uid < this.#range.first + this.#range.count
  }

  #homeOwner(session: string): number | undefined {
    try {
      const uid = statSync(join(this.#dataDir, 'sessions', session, 'home')).uid
      return this.#inRange(uid) ? uid : undefined
    } catch {
      return undefined
    }
  }

  /** Records the uid of every home on disk (synchronous: runs once, at construction). */
  #scan(): void {
    let names: string[]
    try {
      names = readdirSync(join(this.#dataDir, 'sessions'))
    } catch {
      return
    }
    for (const name of names) {
      if (!isSafeSessionName(name)) continue
      const uid = this.#homeOwner(name)
      if (uid !== undefined && !this.#taken.has(uid)) this.#record(name, uid)
    }
  }

  #describe(): string {
    return `${this.#range.first}-${this.#range.first + this.#range.count - 1}`
  }
}
