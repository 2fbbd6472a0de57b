// Tokens are the capabilities of the supporter journey: whoever holds a
// submission's token sees its letters, whoever holds its confirmation
// token confirms it. Their format is here, in one place, because it
// decides both how unguessable they are and how the unique index on them
// grows.

package submit

import (
	"crypto/rand"
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"time"
)

// tokenEncoding is base32 in lowercase letters and the digits 2-7, the
// digits first so that encoded tokens sort as their bytes do. (Tokens of
// earlier versions used the same characters with the digits last; they
// decode all the same.)
var tokenEncoding = base32.NewEncoding("234567abcdefghijklmnopqrstuvwxyz").WithPadding(base32.NoPadding)

// NewToken returns a new submission or confirmation token (see newToken)
// made at the current time.
func NewToken() (string, error) { return newToken(time.Now()) }

// newToken returns a capability token made at now: 32 lowercase base32
// characters holding a 32-bit clock (milliseconds, wrapping every 49.7
// days) followed by 128 random bits. The random bits make it unguessable.
// The clock makes tokens made one after another sort together, so the
// unique index on tokens takes new ones near its end: a group commit then
// dirties one or two of its pages, where purely random tokens dirtied one
// page per submission (16 KiB each on SQLite) once the index held more
// pages than a group has submissions. The wrap keeps the date out of the
// token.
func newToken(now time.Time) (string, error) {
	var b [tokenClockBytes + tokenRandomBytes]byte
	binary.BigEndian.PutUint32(b[:tokenClockBytes], uint32(now.UnixMilli()))
	if _, err := rand.Read(b[tokenClockBytes:]); err != nil {
		return "", fmt.Errorf("random token: %w", err)
	}
	return tokenEncoding.EncodeToString(b[:]), nil
}

const (
	tokenClockBytes  = 4
	tokenRandomBytes = 16
	// tokenLen is the length of tokens made now; oldTokenLen that of the
	// tokens of earlier versions, 128 random bits and no clock, which stay
	// valid.
	tokenLen    = 32
	oldTokenLen = 26
)

func validToken(t string) bool {
	if len(t) != tokenLen && len(t) != oldTokenLen {
		return false
	}
	_, err := tokenEncoding.DecodeString(t)
	return err == nil
}
