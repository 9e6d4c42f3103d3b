import { describe, expect, it } from 'vitest'
import { pluginPathsOf } from './plugin-paths.js'

describe('pluginPathsOf', () => {
  it("finds the plug-in's base path and extension in its course-list URL, as gateway4labs does", () => {
    expect(pluginPathsOf('https://moodle.example/blocks/gateway4labs/lms/list.php')).toEqual({
      basePath: '/blocks/',
      extension: '.php',
    })
    expect(pluginPathsOf('https://lms.example/moodle/blocks/gateway4labs/lms/list/?x=1')).toEqual({
      basePath: '/moodle/blocks/',
      extension: '/',
    })
    expect(pluginPathsOf('https://lms.example/gateway4labs/lms/list')).toEqual({
      basePath: '/',
      extension: '/',
    })
  })

  it('finds nothing in another URL, or in what is no URL', () => {
    expect(pluginPathsOf('https://lms.example/g4l/courses')).toBeNull()
    expect(pluginPathsOf('not a url')).toBeNull()
  })
})
