//go:build !linux && !darwin

package main

import "io"

// terminalWidth returns 0: the terminal's width is not asked for on this
// system, so tables use COLUMNS or 80 columns.
func terminalWidth(io.Writer) int { return 0 }
