/**
 * Fakes the store's settings (the part of `Store` that key rings use) in memory, for unit tests of what
 * keeps keys there. `values` is the map itself, so tests can look at what was stored.
 */
export class MemorySettings {
  readonly values = new Map<string, string>()
  async getSetting(k: string): Promise<string | null> {
    return this.values.get(k) ?? null
  }
  async setSetting(k: string, v: string): Promise<void> {
    this.values.set(k, v)
  }
  async setSettingIfAbsent(k: string, v: string): Promise<string> {
    if (!this.values.has(k)) this.values.set(k, v)
    return this.values.get(k)!
  }
}
