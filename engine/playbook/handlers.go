package playbook

import (
	"sort"
	"strings"

	"github.com/hapb/hapb/engine/diag"
)

// checkNotify makes sure every notify names a handler (by name or listen
// topic) of the play, and rewrites Ansible's "role : handler" form to the
// handler's name.
func (l *loader) checkNotify(pc *playCtx) {
	known := map[string]string{}
	var names []string
	for _, h := range pc.play.Handlers {
		for _, n := range append([]string{h.Name}, h.Listen...) {
			if n == "" {
				continue
			}
			known[n] = n
			names = append(names, n)
			if h.Role != nil && n == h.Name {
				known[h.Role.Name+" : "+n] = n
			}
		}
	}
	for _, ref := range pc.notified {
		if _, ok := known[ref.name]; !ok {
			list := "the play has no handlers"
			if len(names) > 0 {
				sort.Strings(names)
				list = "known handlers: " + strings.Join(uniq(names), ", ")
			}
			if hint := didYouMean(ref.name, names); hint != "" {
				list = " (" + hint + "); " + list
			} else {
				list = "; " + list
			}
			l.errs.add(ref.pos, diag.NotFound, "notify %q matches no handler%s", ref.name, list).Name = ref.name
		}
	}
	for _, list := range [][]*Task{pc.play.PreTasks, pc.play.Tasks, pc.play.PostTasks, pc.play.Handlers} {
		walk(list, func(t *Task) {
			for i, n := range t.Notify {
				if k, ok := known[n]; ok && k != n {
					t.Notify = append([]string(nil), t.Notify...)
					t.Notify[i] = k
				}
			}
		})
	}
}
