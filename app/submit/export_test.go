package submit

// NewTokenAt makes a token as the service does at the given time.
var NewTokenAt = newToken

// Renders counts the PDFs p actually rendered (not served from its cache).
func (p *PDFs) Renders() int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.renders
}

// CachedBytes is what p's cache holds, counted as it counts it.
func (p *PDFs) CachedBytes() int64 {
	if p.cache == nil {
		return 0
	}
	return p.cache.bytes()
}
