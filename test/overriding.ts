/**
 * A test double over a real object: `target` with some of its methods replaced, every other property
 * read from `target` itself (methods bound to it, so classes with private fields keep working). Tests
 * use it to fail or delay one call of a real store.
 */
export function overriding<T extends object>(target: T, methods: Partial<T>): T {
  return new Proxy(target, {
    get(t, key) {
      if (key in methods) return methods[key as keyof T]
      const value = Reflect.get(t, key, t) as unknown
      return typeof value === 'function' ? value.bind(t) : value
    },
  })
}
