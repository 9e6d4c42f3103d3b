/** Tables of the grant/token model (`src/auth/`). Created by `migrations/002-auth.ts`. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface AuthTables {}
