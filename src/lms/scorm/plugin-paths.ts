/**
 * Where an LMS's gateway4labs plug-in answers the browser, as gateway4labs' SCORM writer finds it from the
 * plug-in's course-list URL: `https://moodle.example/blocks/gateway4labs/lms/list.php` → base path
 * `/blocks/`, extension `.php` (so labgate.js posts to `/blocks/gateway4labs/lms/forward.php`). Pure.
 */

/** The base path and extension labgate.js is given (`new Laboratory(basePath, extension)`). */
export interface PluginPaths {
  basePath: string
  extension: string
}

const LIST = 'gateway4labs/lms/list'

/**
 * The plug-in's paths from its course-list URL `coursesUrl`; null when that URL is not a gateway4labs
 * plug-in's (its path has no `gateway4labs/lms/list`) or not a URL.
 */
export function pluginPathsOf(coursesUrl: string): PluginPaths | null {
  let path: string
  try {
    path = new URL(coursesUrl).pathname
  } catch {
    return null
  }
  const at = path.lastIndexOf(LIST)
  if (at < 0) return null
  return {
    basePath: path.slice(0, at) || '/',
    extension: path.slice(at + LIST.length) || '/',
  }
}
