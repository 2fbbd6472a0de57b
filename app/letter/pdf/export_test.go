package pdf

// NewSlow is New without the fast font path: every document parses its fonts
// through gofpdf's public API. Tests compare the two.
func NewSlow(opts Options) (*Maker, error) { return newMaker(opts, false) }

// FastPath reports whether m attaches pre-parsed fonts.
func (m *Maker) FastPath() bool { return m.in != nil }
