import { formatDuration, parseDuration, toSeconds } from '../src/duration.js'

describe('parseDuration', () => {
  it.each([
    ['90', 90_000],
    ['2.5', 2_500],
    ['500ms', 500],
    ['90s', 90_000],
    ['15m', 900_000],
    ['1h', 3_600_000],
    ['1h30m', 5_400_000],
    ['1h 30m 15s', 5_415_000],
    ['1.5m', 90_000],
    ['2M', 120_000],
    ['  20m  ', 1_200_000],
    ['0', 0]
  ])('reads %p as %p ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms)
  })

  it.each(['', 'abc', '10 minutes', '-5', '5x', 'm5', '1h-30m', '1e3', '.5s', '1,5s', 'Infinity'])(
    'rejects %p',
    text => {
      expect(parseDuration(text)).toBeUndefined()
    }
  )
})

describe('formatDuration', () => {
  it.each([
    [0, '0ms'],
    [850, '850ms'],
    [12_345, '12.3s'],
    [60_000, '1m 00s'],
    [245_000, '4m 05s'],
    [3_720_000, '1h 02m'],
    [-5, '0ms']
  ])('writes %p ms as %p', (ms, text) => {
    expect(formatDuration(ms)).toBe(text)
  })
})

describe('toSeconds', () => {
  it('keeps one decimal', () => {
    expect(toSeconds(12_345)).toBe(12.3)
    expect(toSeconds(-1)).toBe(0)
  })
})
