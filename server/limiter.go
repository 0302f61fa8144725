package server

import (
	"sync"
	"time"
)

// Failed logins are counted per (address, key) and per address, in a sliding window.
//
// An office sits behind one NAT address: one person's unregistered key, retried in a
// loop, must not lock a colleague out. So a key that keeps failing is refused on its
// own (maxFailures per address and key per minute), and its refusals once over that
// limit no longer count towards its address. The address as a whole has a much higher
// limit (maxAddrFailures): reached only by many different keys, and then its
// connections end at the first unregistered key they offer. A registered key of an
// active staff member is accepted before either limit is looked at (acceptKey).
const (
	maxFailures     = 10  // failed logins per address and key per failureWindow …
	maxAddrFailures = 100 // … and per address, with any keys
	failureWindow   = time.Minute
	maxTracked      = 16384 // (address, key) pairs remembered at most
)

type failures struct {
	mu      sync.Mutex
	perKey  int
	perAddr int
	window  time.Duration
	key     map[string][]time.Time // address + " " + fingerprint
	addr    map[string][]time.Time
	adds    int // failed connections counted so far
}

func newFailures(perKey, perAddr int) *failures {
	if perKey <= 0 {
		perKey = maxFailures
	}
	if perAddr <= 0 {
		perAddr = maxAddrFailures
	}
	return &failures{perKey: perKey, perAddr: perAddr, window: failureWindow,
		key: map[string][]time.Time{}, addr: map[string][]time.Time{}}
}

func (f *failures) recent(ts []time.Time, now time.Time) []time.Time {
	i := 0
	for i < len(ts) && now.Sub(ts[i]) >= f.window {
		i++
	}
	return ts[i:]
}

func (f *failures) keyBlocked(ip, fp string, now time.Time) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.recent(f.key[ip+" "+fp], now)) >= f.perKey
}

func (f *failures) addrBlocked(ip string, now time.Time) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.recent(f.addr[ip], now)) >= f.perAddr
}

// add counts one failed connection from ip, which offered the unregistered keys fps.
func (f *failures) add(ip string, fps []string, now time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.adds++
	f.addr[ip] = f.push(f.addr[ip], f.perAddr, now)
	for _, fp := range fps {
		k := ip + " " + fp
		f.key[k] = f.push(f.key[k], f.perKey, now)
	}
	f.prune(f.addr, now)
	f.prune(f.key, now)
}

// push adds now, keeping no more times than the limit needs.
func (f *failures) push(ts []time.Time, limit int, now time.Time) []time.Time {
	ts = append(f.recent(ts, now), now)
	if len(ts) > limit {
		ts = append(ts[:0], ts[len(ts)-limit:]...)
	}
	return ts
}

// prune forgets quiet entries once there are many (every 1024 new ones, so a flood of
// fresh keys does not make every failure walk the map); past maxTracked it forgets all,
// so such a flood cannot grow the server's memory either.
func (f *failures) prune(m map[string][]time.Time, now time.Time) {
	if len(m) <= 4096 || f.adds%1024 != 0 {
		return
	}
	for k, ts := range m {
		if len(f.recent(ts, now)) == 0 {
			delete(m, k)
		}
	}
	if len(m) > maxTracked {
		clear(m)
	}
}
