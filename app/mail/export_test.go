package mail

// TreatAsRemote makes s treat its (loopback) test server as a remote one,
// so that the STARTTLS requirement applies.
func TreatAsRemote(s *SMTPSender) { s.isLoopback = func(string) bool { return false } }
