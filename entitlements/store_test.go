package entitlements

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"time"
)

// mapStore is a Store in a map, with epochs and locks as the Store contract
// asks, errors and delays on demand, and call counts. Expiry is not
// modelled: the Checker judges freshness itself.
type mapStore struct {
	mu      sync.Mutex
	vals    map[string]map[string][]byte
	epochs  map[string]int
	locks   map[string]int // customer+field -> holder
	holders int
	calls   map[string]int
	fail    error         // returned by every call when set
	delay   time.Duration // every call sleeps this long first, ignoring ctx
}

func newMapStore() *mapStore {
	return &mapStore{vals: map[string]map[string][]byte{}, epochs: map[string]int{}, locks: map[string]int{}, calls: map[string]int{}}
}

func (s *mapStore) enter(op string) error {
	s.mu.Lock()
	s.calls[op]++
	d, err := s.delay, s.fail
	s.mu.Unlock()
	time.Sleep(d)
	return err
}

func (s *mapStore) Get(_ context.Context, customerID, field string) ([]byte, string, error) {
	if err := s.enter("get"); err != nil {
		return nil, "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.vals[customerID][field], strconv.Itoa(s.epochs[customerID]), nil
}

func (s *mapStore) Set(_ context.Context, customerID, field string, value []byte, epoch string, _ time.Duration) error {
	if err := s.enter("set"); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if epoch != strconv.Itoa(s.epochs[customerID]) {
		return nil
	}
	if s.vals[customerID] == nil {
		s.vals[customerID] = map[string][]byte{}
	}
	s.vals[customerID][field] = value
	return nil
}

func (s *mapStore) put(customerID, field string, value []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.vals[customerID] == nil {
		s.vals[customerID] = map[string][]byte{}
	}
	s.vals[customerID][field] = value
}

func (s *mapStore) Invalidate(_ context.Context, customerID string) error {
	if err := s.enter("invalidate"); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.vals, customerID)
	s.epochs[customerID]++
	return nil
}

func (s *mapStore) Lock(_ context.Context, customerID, field string, _ time.Duration) (func(context.Context) error, error) {
	if err := s.enter("lock"); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	k := customerID + "\x00" + field
	if _, held := s.locks[k]; held {
		return nil, ErrLocked
	}
	s.holders++
	me := s.holders
	s.locks[k] = me
	return func(context.Context) error {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.locks[k] == me {
			delete(s.locks, k)
		}
		return nil
	}, nil
}

func (s *mapStore) count(op string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[op]
}

func (s *mapStore) set(fail error, delay time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail, s.delay = fail, delay
}

var errStoreDown = errors.New("store down")
