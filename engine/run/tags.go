package run

// TagsAllow decides whether a task with these (inherited) tags runs under
// --tags and --skip-tags, with Ansible's special tags: `always` runs unless
// skipped by name, `never` runs only when asked for, `all`, `tagged` and
// `untagged` select by kind.
func TagsAllow(taskTags, only, skip []string) bool {
	has := func(tags []string, t string) bool {
		for _, x := range tags {
			if x == t {
				return true
			}
		}
		return false
	}
	tagged := len(taskTags) > 0
	for _, s := range skip {
		switch {
		case s == "all", s == "tagged" && tagged, s == "untagged" && !tagged, has(taskTags, s):
			if s == "all" && has(taskTags, "always") && !has(skip, "always") {
				continue
			}
			return false
		}
	}
	if has(taskTags, "never") {
		for _, o := range only {
			if o != "never" && o != "always" && has(taskTags, o) || o == "never" {
				return true
			}
		}
		return false
	}
	if len(only) == 0 || has(taskTags, "always") {
		return true
	}
	for _, o := range only {
		switch {
		case o == "all", o == "tagged" && tagged, o == "untagged" && !tagged, has(taskTags, o):
			return true
		}
	}
	return false
}
