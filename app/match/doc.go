// Package match answers "who should this supporter write to?".
//
// An Index is built once per imported roster (NewIndex) and is read-only
// afterwards, so it can be shared by every request without locks: ZIP →
// districts, state → senators, district → representative, committees and
// their members, executive targets, and a point-in-polygon finder over the
// district shapes that stays well under a microsecond per lookup.
//
// A Matcher (New) turns a supporter's ZIP, state, location or street address
// into an app.Lookup (their districts, Representatives and Senators, with
// plain-language notes when the answer is partial), and a Lookup plus a
// campaign's target rules into the list of app.Target recipients. When the
// roster changes, the server builds a new Index and swaps in a new Matcher.
//
// Geocoding a street address is optional (Options.Geocoder) and never makes a
// lookup fail: when it does not work, the ZIP answers instead.
package match
