package usage

import (
	"context"
	"errors"
	"testing"
)

func TestMemoryQueue(t *testing.T) {
	ctx := context.Background()
	q := NewMemoryQueue(3)
	var ids []string
	for i := range 3 {
		id, err := q.Push(ctx, Report{CustomerID: "c", FeatureID: "f", Value: i, Behaviour: Delta})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if _, err := q.Push(ctx, Report{}); !errors.Is(err, ErrQueueFull) {
		t.Fatalf("fourth push = %v, want ErrQueueFull", err)
	}
	if !idLess(ids[0], ids[1]) || idLess(ids[1], ids[0]) {
		t.Errorf("IDs %v are not increasing", ids)
	}
	got, _ := q.Claim(ctx, 2)
	if len(got) != 2 || got[0].ID != ids[0] || got[1].Report.Value != 1 || got[0].MaybeSent {
		t.Fatalf("Claim = %+v", got)
	}
	// Claimed entries are not handed out twice.
	got2, _ := q.Claim(ctx, 5)
	if len(got2) != 1 || got2[0].ID != ids[2] {
		t.Fatalf("second Claim = %+v", got2)
	}
	if more, _ := q.Claim(ctx, 5); len(more) != 0 {
		t.Fatalf("third Claim = %+v", more)
	}
	held, _ := q.Hold(ctx, []string{ids[0], "0-999", "junk"}, true)
	if len(held) != 1 || held[0] != ids[0] {
		t.Errorf("Hold = %v", held)
	}
	// Acknowledging out of order: Done follows the oldest entry left.
	if err := q.Ack(ctx, []string{ids[1]}); err != nil {
		t.Fatal(err)
	}
	if done, _ := q.Done(ctx, ids[0]); done {
		t.Error("Done with the first entry still queued")
	}
	if err := q.Park(ctx, []string{ids[0]}, Report{CustomerID: "c", FeatureID: "f", Value: 9, Behaviour: Delta}, "lost reply"); err != nil {
		t.Fatal(err)
	}
	if done, _ := q.Done(ctx, ids[1]); !done {
		t.Error("not Done up to the second entry after ack and park")
	}
	if done, _ := q.Done(ctx, ids[2]); done {
		t.Error("Done with the third entry still queued")
	}
	if q.Len() != 1 {
		t.Errorf("Len = %d, want 1", q.Len())
	}
	parked, _ := q.Parked(ctx)
	if len(parked) != 1 || parked[0].Report.Value != 9 || parked[0].Reason != "lost reply" {
		t.Errorf("Parked = %+v", parked)
	}
	if _, err := q.Done(ctx, "nope"); err == nil {
		t.Error("Done accepted a malformed ID")
	}
	// Room again; the queue's slice is reused across many cycles.
	for i := range 10000 {
		id, err := q.Push(ctx, Report{Value: i})
		if err != nil {
			t.Fatalf("push %d: %v", i, err)
		}
		c, _ := q.Claim(ctx, 10)
		for _, e := range c {
			if e.ID != id && e.ID != ids[2] {
				t.Fatalf("claimed %s, pushed %s", e.ID, id)
			}
		}
		if err := q.Ack(ctx, []string{id}); err != nil {
			t.Fatal(err)
		}
	}
	if q.Len() != 1 || cap(q.entries) > 256 {
		t.Errorf("Len %d, capacity %d after 10000 cycles", q.Len(), cap(q.entries))
	}
}
