import { describe, expect, it } from '@jest/globals'
import { dockerfileBaseImages } from '../../../src/builders/options/base-images.js'

describe('dockerfileBaseImages', () => {
  it('expands global ARGs: defaults, then build-args, a bare KEY from the environment', () => {
    const file = [
      'ARG REGISTRY=ghcr.io',
      'ARG BASE_TAG="1.0"',
      'ARG OWNER',
      '# FROM commented/out',
      'FROM --platform=$BUILDPLATFORM ${REGISTRY}/${OWNER:-acme}/base:$BASE_TAG AS build',
      'RUN make',
      'FROM \\',
      '  $REGISTRY/acme/runtime:${BASE_TAG}',
      'COPY --from=build /out /'
    ].join('\n')
    expect(dockerfileBaseImages(file, [], {})).toEqual(['ghcr.io/acme/base:1.0', 'ghcr.io/acme/runtime:1.0'])
    expect(dockerfileBaseImages(file, ['BASE_TAG=2', 'OWNER'], { OWNER: 'org' })).toEqual([
      'ghcr.io/org/base:2',
      'ghcr.io/acme/runtime:2'
    ])
  })

  it('leaves out scratch, earlier stages and names that stay unresolved', () => {
    const file = [
      'FROM scratch AS empty',
      'FROM busybox-$TARGETARCH',
      'FROM base.example/app AS app',
      'FROM app',
      'FROM empty',
      'ARG LATE=ignored.example/x',
      'FROM $LATE'
    ].join('\n')
    expect(dockerfileBaseImages(file, [], {})).toEqual(['base.example/app'])
  })
})
