import { useEffect, useState, type ReactNode } from 'react'

/**
 * Offers a text as a file: an `<a download>` over a Blob URL, freed when the text changes or the link
 * goes. In `serve` the browser saves it; in the desktop app Electron asks where with its own save dialog
 * (the window's hardening blocks navigation, not downloads).
 */
export function DownloadLink({
  name,
  text,
  type,
  className = 'button',
  children,
}: {
  name: string
  text: string
  /** The file's media type: `application/json`, `text/markdown`. */
  type: string
  className?: string
  children: ReactNode
}) {
  const [href, setHref] = useState<string | null>(null)
  useEffect(() => {
    const url = URL.createObjectURL(new Blob([text], { type: `${type};charset=utf-8` }))
    setHref(url)
    return () => URL.revokeObjectURL(url)
  }, [text, type])
  return href ? (
    <a className={className} href={href} download={name}>
      {children}
    </a>
  ) : null
}
