import { start } from './main.js'

// The general bundle: help, the version, and unknown names. Each command runs from its own bundle
// (bin/klairr-companion.cjs picks it), so a command loads only its own code.
start({})
