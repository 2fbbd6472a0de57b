package congress

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/advocate-org/advocate/app"
)

// invalidAt builds the EINVALID error every reader returns for bad input. The
// message starts with "name:line:col:" (col omitted when 0, line omitted when
// 0) so that an operator can open the file at the right place.
func invalidAt(name string, line, col int, format string, args ...any) *app.Error {
	return &app.Error{Code: app.EINVALID, Message: where(name, line, col) + fmt.Sprintf(format, args...)}
}

// where formats a position prefix.
func where(name string, line, col int) string {
	var b strings.Builder
	b.WriteString(name)
	if line > 0 {
		b.WriteString(":" + strconv.Itoa(line))
		if col > 0 {
			b.WriteString(":" + strconv.Itoa(col))
		}
	}
	b.WriteString(": ")
	return b.String()
}

// readFailed wraps an I/O failure that is not the data's fault (disk,
// network, cancellation); the cause stays in Err for logs and errors.Is.
func readFailed(name string, err error) *app.Error {
	return app.WrapError(app.EUNAVAILABLE, err, "%s: could not read the file", name)
}

// quoteShort quotes s for a message, cutting long values so a garbage file
// cannot produce a megabyte-long error.
func quoteShort(s string) string {
	const max = 40
	if len(s) > max {
		cut := max
		for cut > 0 && !isRuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return strconv.Quote(s)
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }
