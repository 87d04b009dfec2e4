package webhook

// ReplayStoreLen reports how many ids (with their eviction order) a
// memory store holds, for tests; -1 for another store.
func ReplayStoreLen(s ReplayStore) int {
	m, ok := s.(*memoryReplayStore)
	if !ok {
		return -1
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.ids) != len(m.order) {
		return len(m.order) // a leak shows as a difference
	}
	return len(m.ids)
}
