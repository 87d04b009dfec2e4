package testkit

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"testing"
	"time"
)

func TestPtr(t *testing.T) {
	p := Ptr(42)
	if v, err := PtrGet(p); err != nil || v != 42 {
		t.Fatalf("PtrGet(Ptr(42)) = %v, %v", v, err)
	}
	*p = 7
	if q := Ptr(42); *q != 42 || q == p {
		t.Fatalf("Ptr shares its result: %v", *q)
	}
	if v, err := PtrGet[string](nil); err == nil || v != "" {
		t.Fatalf("PtrGet(nil) = %q, %v; want the zero value and an error", v, err)
	}
}

func TestClock(t *testing.T) {
	start := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	c := NewClock(start)
	if !c.Now().Equal(start) {
		t.Fatalf("Now = %v, want %v", c.Now(), start)
	}
	c.Advance(90 * time.Second)
	if want := start.Add(90 * time.Second); !c.Now().Equal(want) {
		t.Fatalf("after Advance(90s) Now = %v, want %v", c.Now(), want)
	}
}

// The child of TestStartChild: it prints a line of its environment and
// one of its standard input.
func TestChildEcho(t *testing.T) {
	if !InChild("TestChildEcho") {
		t.Skip("runs only as the child process of TestStartChild")
	}
	fmt.Println("env", os.Getenv("ECHO"))
	line, err := bufio.NewReader(os.Stdin).ReadString('\n')
	fmt.Printf("stdin %q %v\n", line, err)
}

func TestStartChild(t *testing.T) {
	c := StartChild(t, "TestChildEcho", "ECHO=hello")
	if got := c.Await(t, "env "); got != "env hello" {
		t.Fatalf("child printed %q, want %q", got, "env hello")
	}
	if _, err := io.WriteString(c.In, "ping\n"); err != nil {
		t.Fatal(err)
	}
	if got := c.Await(t, "stdin "); got != `stdin "ping\n" <nil>` {
		t.Fatalf("child printed %q", got)
	}
	if err := c.Cmd.Wait(); err != nil {
		t.Fatalf("the child failed: %v", err)
	}
}
