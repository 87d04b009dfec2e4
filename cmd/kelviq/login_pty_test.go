//go:build linux

package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/kelviq/kelviq-go/internal/testkit"
)

// openPTY opens a pseudo-terminal pair: the master end the test types
// into, and the terminal end the CLI reads.
func openPTY(t *testing.T) (master, tty *os.File) {
	t.Helper()
	// Non-blocking, so that reads of the master end can time out.
	fd, err := unix.Open("/dev/ptmx", unix.O_RDWR|unix.O_NOCTTY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here (%v), so reading a key from a terminal cannot be tested", err)
	}
	master = os.NewFile(uintptr(fd), "/dev/ptmx")
	t.Cleanup(func() { master.Close() })
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		t.Skipf("unlocking the pseudo-terminal: %v", err)
	}
	n, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
	if err != nil {
		t.Skipf("naming the pseudo-terminal: %v", err)
	}
	tty, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("opening the pseudo-terminal: %v", err)
	}
	t.Cleanup(func() { tty.Close() })
	return master, tty
}

func echoOn(t *testing.T, tty *os.File) bool {
	t.Helper()
	tio, err := unix.IoctlGetTermios(int(tty.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	return tio.Lflag&unix.ECHO != 0
}

// TestLoginOnATerminal: on a terminal, login turns echo off before the key
// is typed, so the key never shows, and turns it back on after.
func TestLoginOnATerminal(t *testing.T) {
	t.Parallel()
	master, tty := openPTY(t)
	if !echoOn(t, tty) {
		t.Skip("the new pseudo-terminal does not echo, so turning echo off cannot be seen")
	}
	dir := t.TempDir()
	env := map[string]string{envXDGConfigHome: dir}
	var out, errOut testkit.SyncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(context.Background(), []string{"login", "--prod"}, tty, &out, &errOut, func(k string) string { return env[k] })
	}()
	deadline := time.Now().Add(10 * time.Second)
	for echoOn(t, tty) {
		if time.Now().After(deadline) {
			t.Fatalf("login never turned echo off: stdout %q stderr %q", out.String(), errOut.String())
		}
		select {
		case code := <-done:
			t.Fatalf("login exited %d before reading: %q %q", code, out.String(), errOut.String())
		case <-time.After(5 * time.Millisecond):
		}
	}
	const key = "sk_prd_typed_Wq2eR5tY8uI1oP4a"
	if _, err := master.WriteString(key + "\r"); err != nil {
		t.Fatal(err)
	}
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("login exited %d: %q %q", code, out.String(), errOut.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("login did not return after the key was typed")
	}
	if !echoOn(t, tty) {
		t.Error("login left the terminal without echo")
	}
	// What the terminal showed: nothing of the key.
	var shown bytes.Buffer
	buf := make([]byte, 4096)
	if err := master.SetReadDeadline(time.Now().Add(200 * time.Millisecond)); err != nil {
		t.Fatalf("the terminal cannot be read with a time limit: %v", err)
	}
	for {
		n, err := master.Read(buf)
		shown.Write(buf[:n])
		if err != nil {
			if !errors.Is(err, os.ErrDeadlineExceeded) && !errors.Is(err, syscall.EIO) {
				t.Fatalf("reading the terminal: %v", err)
			}
			break
		}
	}
	if strings.Contains(shown.String()+out.String()+errOut.String(), key[13:19]) {
		t.Fatalf("the key showed: terminal %q stdout %q stderr %q", shown.String(), out.String(), errOut.String())
	}
	if !strings.Contains(errOut.String(), "production server API key") {
		t.Fatalf("no prompt: %q", errOut.String())
	}
	stored, err := storedKey(filepath.Join(dir, "kelviq", "config.json"), "production")
	if err != nil || stored != key {
		t.Fatalf("stored %q, %v; want the typed key", stored, err)
	}
}
