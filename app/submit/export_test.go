package submit

// NewTokenAt makes a token as the service does at the given time.
var NewTokenAt = newToken
