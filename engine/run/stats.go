package run

import (
	"github.com/hapb/hapb/engine/report"
)

// stats are the PLAY RECAP counters, per host, over the whole run.
type stats map[string]*report.HostStats

func (s stats) of(host string) *report.HostStats {
	st, ok := s[host]
	if !ok {
		st = &report.HostStats{Host: host}
		s[host] = st
	}
	return st
}

func (s stats) list() []*report.HostStats {
	out := make([]*report.HostStats, 0, len(s))
	for _, st := range s {
		out = append(out, st)
	}
	report.SortStats(out)
	return out
}
