/** labgate's version, as `labgate --version` and the workspaces API's `GET /status/` report it. */
export const LABGATE_VERSION = '0.1.0'
