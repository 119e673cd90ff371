import { addSecret, escapeHtml, quote, sanitize } from '../src/sanitize.js'

describe('sanitize', () => {
  it('joins lines so that text can never start a workflow command', () => {
    const text = sanitize('bad\n::warning::forged\r\n::error title=x::y')
    expect(text).not.toMatch(/[\r\n]/)
    expect(text).not.toContain('::')
  })

  it('breaks up a leading :: and runs of colons', () => {
    expect(sanitize('::add-mask::x')).toBe(': :add-mask: :x')
    expect(sanitize('::::')).not.toContain('::')
  })

  it('removes control characters and Unicode line separators', () => {
    expect(sanitize('a\u0000b\u001bc\u2028d\u0085e')).toBe('a b c d e')
  })

  it('shortens long text with an ellipsis', () => {
    const text = sanitize('x'.repeat(1000), 50)
    expect(text).toHaveLength(50)
    expect(text.endsWith('…')).toBe(true)
  })

  it('never lets a registered secret through, even split by a line break', () => {
    addSecret('s3cr3t-key')
    expect(sanitize('key is s3cr3t-key here')).toBe('key is *** here')
    expect(quote('s3cr3t-key')).not.toContain('s3cr3t')
  })

  it('turns values that are not strings into text', () => {
    expect(sanitize(42)).toBe('42')
  })
})

describe('quote', () => {
  it('shows control characters as escapes rather than dropping them', () => {
    expect(quote('ab\u0007c')).toBe("'ab\\u0007c'")
  })
})

describe('escapeHtml', () => {
  it('escapes markup for the job summary', () => {
    expect(escapeHtml(`<img src=x onerror="a('b')">&`)).toBe(
      '&lt;img src=x onerror=&quot;a(&#39;b&#39;)&quot;&gt;&amp;'
    )
  })
})
