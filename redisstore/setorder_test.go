package redisstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/kelviq/kelviq-go/internal/redistest"
	"github.com/kelviq/kelviq-go/redisstore"
	"github.com/kelviq/kelviq-go/usage"
)

func seats(v int, b usage.Behaviour) usage.Report {
	return usage.Report{CustomerID: "cus-1", FeatureID: "seats", Value: v, Behaviour: b}
}

func entryIDs(es []usage.Entry) []string {
	ids := make([]string, len(es))
	for i, e := range es {
		ids[i] = e.ID
	}
	return ids
}

// A SET claimed and delivered while a newer one was reported does not
// clear the newer one; a holder whose lease lapsed may not send its older
// SET any more, and its late acknowledgement leaves the newer holder's
// slot alone; a slot waits for the DELTAs reported before its SET.
func TestOlderSETCannotOverwriteNewer(t *testing.T) {
	rdb := redistest.Start(t).Client(t)
	ctx := context.Background()
	const lease = 150 * time.Millisecond
	a := newQueue(t, rdb, "order", redisstore.WithLease(lease))
	b := newQueue(t, rdb, "order", redisstore.WithLease(lease))
	claim := func(q interface {
		Claim(context.Context, int) ([]usage.Entry, error)
	}, want int, wantValue int) []usage.Entry {
		t.Helper()
		es, err := q.Claim(ctx, 100)
		if err != nil {
			t.Fatal(err)
		}
		if len(es) != want {
			t.Fatalf("claimed %d entries %+v, want %d", len(es), es, want)
		}
		for _, e := range es {
			if e.Report.Behaviour != usage.Set || e.Report.Value != wantValue {
				t.Fatalf("claimed %+v, want SET %d", e.Report, wantValue)
			}
		}
		return es
	}
	push := func(r usage.Report) string {
		t.Helper()
		id, err := a.Push(ctx, r)
		if err != nil {
			t.Fatal(err)
		}
		return id
	}

	first := push(seats(5, usage.Set))
	old := claim(a, 1, 5) // a is sending SET 5...
	push(seats(7, usage.Set))
	last := push(seats(2, usage.Delta)) // ...when SET 7 and DELTA 2 arrive: 9
	claim(b, 0, 0)                      // one delivery in flight per customer and feature
	if held, err := a.Hold(ctx, entryIDs(old), true); err != nil || len(held) != 1 {
		t.Fatalf("Hold = %v, %v", held, err)
	}
	if err := a.Ack(ctx, entryIDs(old)); err != nil { // SET 5 delivered
		t.Fatal(err)
	}
	if done, err := a.Done(ctx, first); err != nil || !done {
		t.Errorf("Done(first SET) after its delivery = %t, %v", done, err)
	}
	if done, err := a.Done(ctx, last); err != nil || done {
		t.Errorf("Done(last) with SET 7 + 2 pending = %t, %v", done, err)
	}
	newer := claim(b, 2, 9) // the slot stayed, with the newer value

	// b stalls past its lease; a takes the slot over, and a SET 3 comes.
	time.Sleep(2 * lease)
	taken := claim(a, 2, 9)
	push(seats(3, usage.Set))
	if held, err := b.Hold(ctx, entryIDs(newer), true); err != nil || len(held) != 0 {
		t.Fatalf("Hold by the holder whose lease lapsed = %v, %v; want nothing (it must not send)", held, err)
	}
	if err := b.Ack(ctx, entryIDs(newer)); err != nil { // late: changes nothing
		t.Fatal(err)
	}
	if held, err := a.Hold(ctx, entryIDs(taken), true); err != nil || len(held) != 2 {
		t.Fatalf("Hold by the new holder = %v, %v", held, err)
	}
	if err := a.Ack(ctx, entryIDs(taken)); err != nil {
		t.Fatal(err)
	}
	final := claim(b, 1, 3) // SET 3 is still to send, and only it
	if err := b.Ack(ctx, entryIDs(final)); err != nil {
		t.Fatal(err)
	}
	if done, err := a.Done(ctx, last); err != nil || !done {
		t.Errorf("Done after the last SET's delivery = %t, %v", done, err)
	}
	claim(a, 0, 0)

	// DELTAs reported before a SET reach the API before it.
	d := push(usage.Report{CustomerID: "cus-1", FeatureID: "seats", Value: 4, Behaviour: usage.Delta})
	push(seats(10, usage.Set))
	es, err := a.Claim(ctx, 100)
	if err != nil || len(es) != 1 || es[0].ID != d || es[0].Report.Behaviour != usage.Delta {
		t.Fatalf("Claim = %+v, %v; want only the DELTA %s (the SET waits for it)", es, err, d)
	}
	claim(b, 0, 0)
	if err := a.Ack(ctx, []string{d}); err != nil {
		t.Fatal(err)
	}
	claim(b, 1, 10)
}

// A process dies while sending an older SET (it claimed it and marked it
// as being sent); a newer SET is reported elsewhere. The API ends with the
// newer one, delivered once the dead holder's lease ends, and the dead
// holder could not send its SET any more.
func TestSETAfterReporterCrash(t *testing.T) {
	fx := newFleetFake(t)
	rdb := redistest.Start(t).Client(t)
	ctx := context.Background()
	const lease = 300 * time.Millisecond
	dead := newQueue(t, rdb, "crash", redisstore.WithLease(lease))
	if _, err := dead.Push(ctx, usage.Report{CustomerID: "cus-2", FeatureID: "seats", Value: 40, Behaviour: usage.Set}); err != nil {
		t.Fatal(err)
	}
	old, err := dead.Claim(ctx, 10)
	if err != nil || len(old) != 1 {
		t.Fatalf("Claim = %+v, %v", old, err)
	}
	if _, err := dead.Hold(ctx, entryIDs(old), true); err != nil {
		t.Fatal(err)
	}
	fr := newFleetReporter(t, fx, rdb, "crash", redisstore.WithLease(lease))
	if err := fr.rep.Report(ctx, usage.Report{CustomerID: "cus-2", FeatureID: "seats", Value: 12, Behaviour: usage.Set}); err != nil {
		t.Fatal(err)
	}
	fctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := fr.rep.Flush(fctx); err != nil {
		t.Fatal(err)
	}
	if got := fx.usage(t, "cus-2", "seats"); got != 12 {
		t.Errorf("seats at the fake = %d, want 12, the newer SET", got)
	}
	if held, err := dead.Hold(ctx, entryIDs(old), true); err != nil || len(held) != 0 {
		t.Errorf("the dead holder still holds %v (%v): it could send its older SET", held, err)
	}
	if st := fr.rep.Stats(); st.Sent != 2 || st.Uncertain != 0 {
		t.Errorf("stats %+v, want both SETs sent (as one request), none uncertain", st)
	}
}
