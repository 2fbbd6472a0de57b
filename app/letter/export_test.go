package letter

// CacheLen exposes the number of cached versions to the tests.
func (r *Renderer) CacheLen() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.lru.Len()
}
