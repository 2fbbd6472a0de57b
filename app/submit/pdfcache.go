package submit

import (
	"container/list"
	"sync"
	"time"
)

// pdfEntryOverhead is what a kept PDF costs besides its bytes (the entry,
// its list element and map slots), so that many tiny PDFs cannot exceed
// the bound either.
const pdfEntryOverhead = 256

// pdfCache keeps rendered PDFs, least recently used first out, within a
// number of bytes and for at most ttl. It indexes them by submission too,
// so that an erased supporter's PDFs are all dropped at once.
type pdfCache struct {
	max int64
	ttl time.Duration
	now func() time.Time

	mu    sync.Mutex
	size  int64
	lru   *list.List // of *pdfEntry, most recently used at the front
	byKey map[pdfKey]*list.Element
	bySub map[int64]map[pdfKey]bool
	swept time.Time // the last sweep for expired PDFs
}

type pdfEntry struct {
	key  pdfKey
	data []byte
	at   time.Time
}

func newPDFCache(max int64, ttl time.Duration, now func() time.Time) *pdfCache {
	return &pdfCache{max: max, ttl: ttl, now: now, lru: list.New(), byKey: map[pdfKey]*list.Element{},
		bySub: map[int64]map[pdfKey]bool{}}
}

func (c *pdfCache) get(k pdfKey) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el := c.byKey[k]
	if el == nil {
		return nil, false
	}
	e := el.Value.(*pdfEntry)
	if age := c.now().Sub(e.at); age > c.ttl || age < 0 {
		c.remove(el)
		return nil, false
	}
	c.lru.MoveToFront(el)
	return e.data, true
}

// put keeps data under k, dropping the least recently used PDFs to make
// room. A PDF larger than an eighth of the cache is not kept: it would
// push out many others.
func (c *pdfCache) put(k pdfKey, data []byte) {
	cost := int64(len(data)) + pdfEntryOverhead
	if cost > c.max/8 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el := c.byKey[k]; el != nil {
		c.remove(el)
	}
	c.sweep()
	for c.size+cost > c.max {
		c.remove(c.lru.Back())
	}
	c.byKey[k] = c.lru.PushFront(&pdfEntry{key: k, data: data, at: c.now()})
	c.size += cost
	subs := c.bySub[k.submission]
	if subs == nil {
		subs = map[pdfKey]bool{}
		c.bySub[k.submission] = subs
	}
	subs[k] = true
}

// sweep drops expired PDFs, at most every ttl/4, so that letters do not
// stay in memory long after their time even if nobody asks for them
// again. A PDF read often stays at the front of the list while it
// expires, so the whole list is walked.
func (c *pdfCache) sweep() {
	now := c.now()
	if now.Sub(c.swept) < c.ttl/4 && !now.Before(c.swept) {
		return
	}
	c.swept = now
	for el := c.lru.Back(); el != nil; {
		prev := el.Prev()
		if age := now.Sub(el.Value.(*pdfEntry).at); age > c.ttl || age < 0 {
			c.remove(el)
		}
		el = prev
	}
}

// dropSubmission forgets every PDF of one submission.
func (c *pdfCache) dropSubmission(id int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k := range c.bySub[id] {
		c.remove(c.byKey[k])
	}
}

// bytes is the memory the kept PDFs are counted at.
func (c *pdfCache) bytes() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.size
}

func (c *pdfCache) remove(el *list.Element) {
	e := c.lru.Remove(el).(*pdfEntry)
	delete(c.byKey, e.key)
	c.size -= int64(len(e.data)) + pdfEntryOverhead
	if subs := c.bySub[e.key.submission]; subs != nil {
		delete(subs, e.key)
		if len(subs) == 0 {
			delete(c.bySub, e.key.submission)
		}
	}
}
