package app

import "net/netip"

// ClientNetwork is the key under which a client address is counted by
// every per-client limit (submissions, sign-ins, downloads). An IPv4
// address counts alone; an IPv6 address counts with its whole /64,
// because one subscriber is usually handed a /64 and can use any address
// in it. Anything that does not parse counts as itself.
func ClientNetwork(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	a = a.Unmap().WithZone("")
	if a.Is4() {
		return a.String()
	}
	p, err := a.Prefix(64)
	if err != nil {
		return a.String()
	}
	return p.String()
}
