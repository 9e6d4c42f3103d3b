import { describe, expect, it } from 'vitest'
import { agsGradeTarget } from './ags-score.js'
import { AGS_SCORE_SCOPE } from './tool-messages.js'

describe('the grade target of an AGS endpoint claim', () => {
  const lineitem = 'https://lms.example/courses/1/lineitems/7/lineitem?type_id=1'

  it('is the line item when the score scope is granted', () => {
    expect(agsGradeTarget({ scope: [AGS_SCORE_SCOPE], lineitem })).toEqual({
      kind: 'ags',
      lineitem,
      scope: [AGS_SCORE_SCOPE],
    })
  })

  it('is none without a line item, without the score scope, or for a URL that is not http(s)', () => {
    expect(agsGradeTarget(null)).toBeUndefined()
    expect(agsGradeTarget({ scope: [AGS_SCORE_SCOPE], lineitem: null })).toBeUndefined()
    expect(
      agsGradeTarget({ scope: ['https://purl.imsglobal.org/spec/lti-ags/scope/lineitem'], lineitem }),
    ).toBeUndefined()
    expect(agsGradeTarget({ scope: [AGS_SCORE_SCOPE], lineitem: 'file:///etc/passwd' })).toBeUndefined()
    expect(agsGradeTarget({ scope: [AGS_SCORE_SCOPE], lineitem: 'not a url' })).toBeUndefined()
  })
})
