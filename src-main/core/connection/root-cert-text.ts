/**
 * What the app accepts as a root certificate: PEM text (pasted, or read from a file the admin chose in
 * the file dialog), or `system`. A path typed into the renderer is not read by main: a compromised
 * renderer could use it to probe the disk or to block main's threads on a FIFO.
 */

/** A system CA bundle is about 200 KiB; the contract and the file chooser both cap the text here. */
export const ROOT_CERT_TEXT_MAX = 512 * 1024

export const looksLikePem = (s: string) => s.includes('-----BEGIN CERTIFICATE-----')

/** PEM text of a private key: `BEGIN PRIVATE KEY`, `BEGIN ENCRYPTED PRIVATE KEY`, `BEGIN RSA PRIVATE KEY`, … */
export const isPemKey = (s: string) => /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(s)

/** The field's value is PEM text, `system` or empty (none). */
export const isRootCertText = (s: string) => s === '' || s === 'system' || looksLikePem(s)
