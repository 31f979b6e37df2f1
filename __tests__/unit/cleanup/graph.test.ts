import { describe, expect, it } from '@jest/globals'
import { deletionOrder, protectedCandidates, type CandidateGraph } from '../../../src/cleanup/graph.js'

const node = (digest: string, children: string[] = [], referrers: string[] = [], subject?: string) => ({
  digest,
  children,
  referrers,
  subject
})

/** old index I (children A, B; referrer R listed by its tag index T), shared child S of another index. */
function graph(): CandidateGraph {
  return new Map([
    ['I', node('I', ['A', 'B'], ['R', 'T'])],
    ['A', node('A')],
    ['B', node('B', [], ['RB'])],
    ['RB', node('RB', [], [], 'B')],
    ['R', node('R', [], [], 'I')],
    ['T', node('T', ['R'], [], 'I')]
  ])
}

describe('protectedCandidates', () => {
  it('protects nothing when no tag reaches a candidate', () => {
    expect([...protectedCandidates(graph(), new Set(['X', 'Y']))]).toEqual([])
  })

  it('a tagged index keeps its children and referrers', () => {
    expect([...protectedCandidates(graph(), new Set(['I'])).values()].sort()).toEqual(
      ['A', 'B', 'I', 'R', 'RB', 'T'].sort()
    )
  })

  it('another index that lists a child keeps that child and its referrers only', () => {
    expect([...protectedCandidates(graph(), new Set(['B']))].sort()).toEqual(['B', 'RB'])
  })

  it('a referrer whose subject is reached outside the candidates is kept', () => {
    const g: CandidateGraph = new Map([['R', node('R', [], [], 'NEW')]])
    expect([...protectedCandidates(g, new Set(['NEW']))]).toEqual(['R'])
  })
})

describe('deletionOrder', () => {
  it('deletes indexes before their children and subjects before their referrers', () => {
    const order = deletionOrder(graph(), new Set())
    const before = (a: string, b: string) => expect(order.indexOf(a)).toBeLessThan(order.indexOf(b))
    expect([...order].sort()).toEqual(['A', 'B', 'I', 'R', 'RB', 'T'])
    before('I', 'A')
    before('I', 'B')
    before('I', 'T')
    before('T', 'R')
    before('B', 'RB')
  })

  it('leaves out what is kept', () => {
    expect(deletionOrder(graph(), new Set(['B', 'RB']))).not.toContain('B')
  })

  it('a child listed first and reached again through a nested index still comes after both parents', () => {
    const g: CandidateGraph = new Map([
      ['I', node('I', ['M', 'J'])],
      ['J', node('J', ['M'])],
      ['M', node('M')]
    ])
    expect(deletionOrder(g, new Set())).toEqual(['I', 'J', 'M'])
  })
})
