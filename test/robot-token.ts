/** The robot `writePortal` (test/harness.ts) writes when it is given none, and a token of it. */
export const ROBOT = {
  username: 'robot@test',
  password: 'robot-password-0123456789',
  clientId: 'robot-client',
  clientSecret: 'robot-secret-0123456789',
}

/**
 * The access token of `robot` (default: the harness's) from the labgate at `url`: the password grant
 * through the robot client.
 */
export async function robotToken(url: string, robot: typeof ROBOT = ROBOT): Promise<string> {
  const res = await fetch(`${url}/oauth2/token/`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'password',
      username: robot.username,
      password: robot.password,
      client_id: robot.clientId,
      client_secret: robot.clientSecret,
    }),
  })
  if (res.status !== 200) throw new Error(`token: ${res.status} ${await res.text()}`)
  return ((await res.json()) as { access_token: string }).access_token
}
