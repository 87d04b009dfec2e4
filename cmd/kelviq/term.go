package main

import (
	"io"
	"os"

	"golang.org/x/term"
)

// terminalFd returns the file descriptor of w when w is a terminal.
func terminalFd(w any) (int, bool) {
	f, ok := w.(*os.File)
	if !ok {
		return 0, false
	}
	fd := int(f.Fd())
	return fd, term.IsTerminal(fd)
}

func isTerminal(w io.Writer) bool {
	_, ok := terminalFd(w)
	return ok
}

// terminalWidth returns the width in columns of the terminal w writes to,
// or 0 when w is not a terminal (or its size cannot be asked for).
func terminalWidth(w io.Writer) int {
	fd, ok := terminalFd(w)
	if !ok {
		return 0
	}
	cols, _, err := term.GetSize(fd)
	if err != nil {
		return 0
	}
	return cols
}
