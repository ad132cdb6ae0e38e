/**
 * How long a deleted connector can be brought back with "Undo": main keeps the record and its password
 * in memory this long, and the list offers the button as long.
 */
export const UNDO_DELETE_MS = 8000
