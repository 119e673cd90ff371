const secrets = new Set<string>()

/** Registers a value that sanitize() must never let through, whatever text it is found in. */
export function addSecret(value: string): void {
  if (value) secrets.add(value)
}

// C0/C1 controls and the Unicode line separators: any of them could start a new log line.
// eslint-disable-next-line no-control-regex -- finding these characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g

/** True when the text holds a character that could break a log line or an HTTP header. */
export function hasControlCharacter(text: string): boolean {
  return text.search(CONTROL) !== -1
}

/**
 * Makes text from the API (or any outside source) safe for one log line, an annotation or
 * the summary: no line breaks or control characters, no registered secret, no `::` that
 * could start a workflow command, at most `maxLength` characters.
 */
export function sanitize(text: unknown, maxLength = 300): string {
  let value = redact(typeof text === 'string' ? text : String(text))
  value = value.replace(CONTROL, ' ').replace(/\s+/g, ' ').trim()
  value = value.replace(/:(?=:)/g, ': ')
  value = redact(value)
  return value.length > maxLength ? `${value.slice(0, maxLength - 1)}…` : value
}

function redact(text: string): string {
  let value = text
  for (const secret of secrets) value = value.split(secret).join('***')
  return value
}

/** Quotes a user's value in an error message: sanitised, shortened, control characters visible. */
export function quote(value: string, maxLength = 80): string {
  const visible = redact(value).replace(
    CONTROL,
    c => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`
  )
  return `'${sanitize(visible, maxLength)}'`
}

/** Escapes text for the HTML of the job summary. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;')
}
