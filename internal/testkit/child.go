package testkit

import (
	"bufio"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"
)

// ChildEnv is the environment variable StartChild sets, to the name of
// the test the child runs: that test skips itself unless InChild says it
// was started so.
const ChildEnv = "KELVIQ_TEST_CHILD"

// InChild reports whether this process is a child StartChild started to
// run the test named test.
func InChild(test string) bool { return os.Getenv(ChildEnv) == test }

// Child is one test of this test binary running in a process of its own
// (to be killed, or to race another process).
type Child struct {
	// Cmd is the running process.
	Cmd *exec.Cmd
	// In is the child's standard input.
	In    io.WriteCloser
	lines chan string
}

// StartChild runs the test named test of this test binary in a process of
// its own, with env added to this process's environment and ChildEnv set.
// Its standard error is this process's; Await reads its standard output.
// It is killed when t ends.
func StartChild(t TB, test string, env ...string) *Child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^"+test+"$", "-test.count=1", "-test.v")
	cmd.Env = append(append(os.Environ(), ChildEnv+"="+test), env...)
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatalf("child %s: %v", test, err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatalf("child %s: %v", test, err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("child %s: %v", test, err)
	}
	c := &Child{Cmd: cmd, In: in, lines: make(chan string, 100)}
	go func() {
		defer close(c.lines)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			c.lines <- sc.Text()
		}
	}()
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	return c
}

// childWait is how long Await waits for a line: long, for a loaded
// machine under -race.
const childWait = 60 * time.Second

// Await returns the first line from the child that starts with prefix,
// failing t when the child ends first or prints none within a minute.
func (c *Child) Await(t TB, prefix string) string {
	t.Helper()
	timeout := time.After(childWait)
	for {
		select {
		case line, ok := <-c.lines:
			if !ok {
				t.Fatalf("child ended before printing %q", prefix)
				return ""
			}
			if strings.HasPrefix(line, prefix) {
				return line
			}
		case <-timeout:
			t.Fatalf("child did not print %q within %v", prefix, childWait)
			return ""
		}
	}
}
