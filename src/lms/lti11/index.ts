/** LTI 1.1 protocol core: signing, verifying and reading launches, and outcome passback. Pure, no storage. */
export { verifyLaunch, type LaunchRequest, type LaunchVerdict } from './verify-launch.js'
export {
  verifyRequest,
  TIMESTAMP_WINDOW_SECONDS,
  type SignedRequest,
  type VerifyOptions,
  type ReplayKey,
  type RequestVerdict,
} from './verify-request.js'
export { readLaunch, BASIC_LAUNCH, LTI_VERSION, type Lti11Launch, type OutcomeTarget } from './launch.js'
export { launchRole, splitRoles, type LaunchRole } from './roles.js'
export { signLaunch, signRequest, type ConsumerCredentials, type SigningNonce } from './sign.js'
export {
  postOutcome,
  outcomeRequest,
  type OutcomePost,
  type OutcomeDeps,
  type OutcomeResult,
} from './outcome-passback.js'
export { replaceResultXml, parseOutcomeAnswer, formatScore, type OutcomeAnswer } from './outcome-xml.js'
export { publicUrl, type PublicUrlInput } from './public-url.js'
export type { Lti11Refusal, Refused } from './refusal.js'
export type { ParamsInput, ParamPairs } from './params.js'
