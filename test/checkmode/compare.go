package main

import (
	"fmt"
	"io"
	"sort"
	"strings"
)

// Kind is how a result under --check disagrees with the real run's.
type Kind string

const (
	// FalseChange: --check said changed, the real run did not change.
	FalseChange Kind = "false change"
	// MissedChange: the real run changed what --check said it would not.
	MissedChange Kind = "missed change"
	// CheckFailure: failed (neither ignored nor rescued) or unreachable
	// under --check, and not for real: --check stopped where the run
	// goes on, and says nothing about the rest.
	CheckFailure Kind = "fails only under --check"
	// OneRunOnly: changed in one run, not run at all in the other (an
	// include, a loop's items, a host that failed earlier). A result that
	// is ok or skipped on one side and absent on the other changes
	// nothing and is no mismatch.
	OneRunOnly Kind = "changed in one run only"
)

// Diff is one result the runs disagree on. Check or Real is nil when the
// result is absent from that run.
type Diff struct {
	Kind        Kind
	Key         Key
	Check, Real *Result
	Allowed     *Allowed // the allow-list entry that excuses it, if any
}

// Comparison is the verdict on a --check run against the real run.
type Comparison struct {
	Compared    int // results in either run
	ChangedBoth int // changed in both (unknown until applied included)
	Mismatches  []*Diff
	Allowed     []*Diff
	// Unknown are results --check called unknown until applied that the
	// real run did not change: no claim was made, but they show what
	// --check could not foresee.
	Unknown []*Diff
	// Unused are allow-list entries no mismatch needed: the difference
	// they document is gone, or the names changed.
	Unused []*Allowed
}

// Compare matches the results of check (a --check run) and real (the
// real run that followed) by key.
func Compare(check, real *Stream, allow []*Allowed) *Comparison {
	c := &Comparison{}
	used := map[*Allowed]bool{}
	for _, k := range mergedKeys(check, real) {
		cr, rr := check.Get(k), real.Get(k)
		c.Compared++
		d := &Diff{Key: k, Check: cr, Real: rr}
		switch cc, rc := cr != nil && cr.Changed, rr != nil && rr.Changed; {
		case cr != nil && fails(cr) && (rr == nil || !failedStatus(rr.Status)):
			d.Kind = CheckFailure
		case cc && rc:
			c.ChangedBoth++
			continue
		case cc && cr.Unknown:
			c.Unknown = append(c.Unknown, d)
			continue
		case cc && rr == nil, rc && cr == nil:
			d.Kind = OneRunOnly
		case cc:
			d.Kind = FalseChange
		case rc:
			d.Kind = MissedChange
		default:
			continue
		}
		if d.Allowed = allowFor(allow, k.Task); d.Allowed != nil {
			used[d.Allowed] = true
			c.Allowed = append(c.Allowed, d)
		} else {
			c.Mismatches = append(c.Mismatches, d)
		}
	}
	for _, a := range allow {
		if !used[a] {
			c.Unused = append(c.Unused, a)
		}
	}
	return c
}

// mergedKeys is every key of either run, in the order of the --check run,
// each result only the real run has placed after the last result before
// it that both have: a difference reads in the order it happened.
func mergedKeys(check, real *Stream) []Key {
	type placed struct {
		k          Key
		after, nth int
	}
	var all []placed
	at := map[Key]int{}
	for i, r := range check.Results {
		at[r.Key] = i
		all = append(all, placed{r.Key, i, 0})
	}
	last := -1
	for j, r := range real.Results {
		if i, ok := at[r.Key]; ok {
			last = i
			continue
		}
		all = append(all, placed{r.Key, last, j + 1})
	}
	sort.SliceStable(all, func(a, b int) bool {
		if all[a].after != all[b].after {
			return all[a].after < all[b].after
		}
		return all[a].nth < all[b].nth
	})
	keys := make([]Key, len(all))
	for i, p := range all {
		keys[i] = p.k
	}
	return keys
}

func status(r *Result) string {
	if r == nil {
		return "absent"
	}
	return r.Status
}

func failedStatus(s string) bool { return s == "failed" || s == "unreachable" }

// fails: the result took its host out of the run.
func fails(r *Result) bool {
	return r.Status == "unreachable" || r.Status == "failed" && !r.Excused
}

// Write prints the comparison: the summary line, then each mismatch, then
// what was not counted (allowed, unknown until applied, unused entries),
// each in the order of the runs.
func (c *Comparison) Write(w io.Writer) {
	fmt.Fprintf(w, "%s compared, %d changed in both, %s\n",
		plural(c.Compared, "result"), c.ChangedBoth, plural(len(c.Mismatches), "mismatch"))
	for _, d := range c.Mismatches {
		fmt.Fprintf(w, "%s: %s: %s\n", d.Kind, where(d), statuses(d))
	}
	for _, d := range c.Allowed {
		fmt.Fprintf(w, "allowed, %s: %s: %s: %s\n", d.Kind, where(d), statuses(d), d.Allowed.Reason)
	}
	for _, d := range c.Unknown {
		fmt.Fprintf(w, "unknown, then %s: %s: %s\n", status(d.Real), where(d), oneLine(d.Check.Msg))
	}
	for _, a := range c.Unused {
		fmt.Fprintf(w, "allowed but no mismatch: play %q, task %q: %s\n", a.Play, a.Task, a.Reason)
	}
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	if strings.HasSuffix(noun, "ch") {
		return fmt.Sprintf("%d %ses", n, noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// where names a result: play, task, host, item and delegate, occurrences
// from the second on.
func where(d *Diff) string {
	k := d.Key
	var b strings.Builder
	fmt.Fprintf(&b, "play %q%s, ", k.Play, nth(k.PlayN))
	if k.Handler {
		b.WriteString("handler ")
	} else {
		b.WriteString("task ")
	}
	fmt.Fprintf(&b, "%q%s, host %s", k.Name, nth(k.N), k.Host)
	if k.Item != "" || k.ItemN > 1 {
		fmt.Fprintf(&b, ", item %q%s", k.Item, nth(k.ItemN))
	}
	cd, rd := "", ""
	if d.Check != nil {
		cd = d.Check.Delegate
	}
	if d.Real != nil {
		rd = d.Real.Delegate
	}
	switch {
	case d.Check != nil && d.Real != nil && cd != rd:
		fmt.Fprintf(&b, ", delegated to %s under --check, to %s for real", cd, rd)
	case cd != "":
		fmt.Fprintf(&b, ", delegated to %s", cd)
	case rd != "":
		fmt.Fprintf(&b, ", delegated to %s", rd)
	}
	return b.String()
}

func nth(n int) string {
	if n > 1 {
		return fmt.Sprintf(" #%d", n)
	}
	return ""
}

// statuses is both sides' status, with the message of a failure (what
// to look at first).
func statuses(d *Diff) string {
	return "--check " + side(d.Check) + ", real " + side(d.Real)
}

func side(r *Result) string {
	s := status(r)
	if r != nil && r.Changed && r.Status != "changed" {
		s += " and changed"
	}
	if r != nil && failedStatus(r.Status) && r.Msg != "" {
		s += " (" + oneLine(r.Msg) + ")"
	}
	return s
}

// oneLine is msg's first line, cut to a length a terminal shows whole.
func oneLine(msg string) string {
	msg, _, cut := strings.Cut(strings.TrimSpace(msg), "\n")
	const max = 200
	if r := []rune(msg); len(r) > max {
		msg, cut = string(r[:max]), true
	}
	if cut {
		msg += " …"
	}
	return msg
}
