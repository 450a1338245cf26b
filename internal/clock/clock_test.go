package clock

import (
	"testing"
	"time"
)

func TestFakeTimersFireInOrderOnAdvance(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f := NewFake(start)
	a := f.NewTimer(10 * time.Second)
	b := f.After(5 * time.Second)
	stopped := f.NewTimer(time.Second)
	if !stopped.Stop() || stopped.Stop() {
		t.Error("Stop of a pending timer must report true once")
	}
	if f.Waiters() != 2 {
		t.Fatalf("waiters = %d, want 2", f.Waiters())
	}
	f.Advance(4 * time.Second)
	select {
	case <-b:
		t.Fatal("5s timer fired after 4s")
	default:
	}
	f.Advance(time.Second)
	if got := <-b; !got.Equal(start.Add(5 * time.Second)) {
		t.Errorf("fired at %v", got)
	}
	select {
	case <-a.C():
		t.Fatal("10s timer fired after 5s")
	case <-stopped.C():
		t.Fatal("stopped timer fired")
	default:
	}
	f.Set(start.Add(time.Minute))
	<-a.C()
	if a.Stop() {
		t.Error("Stop of a fired timer reported true")
	}
	if !f.Now().Equal(start.Add(time.Minute)) {
		t.Errorf("Now = %v", f.Now())
	}
	if zero := f.NewTimer(0); len(zero.C()) != 1 {
		t.Error("a zero-duration timer must fire at once")
	}
}
