package main

import (
	"fmt"
	"strings"
	"testing"
)

// The keys a stream's results get: occurrences per play name, per task
// name and host, per item label.
func TestReadKeys(t *testing.T) {
	s := mustRead(t, "s.jsonl", true, []ev{
		play("p"), task("a"), res("h1", "ok"), res("h2", "ok"),
		task("a"), res("h1", "ok"),
		handler("a"), res("h1", "changed"),
		task("l"), res("h1", "ok", "item", "x"), res("h1", "ok", "item", "x"), res("h1", "ok", "item", "y"),
		// serial: the next batch repeats the banners.
		task("a"), res("h2", "ok"),
		play("p"), task("a"), res("h1", "ok"),
	})
	got := make([]string, len(s.Results))
	for i, r := range s.Results {
		kind := "task"
		if r.Handler {
			kind = "handler"
		}
		got[i] = fmt.Sprintf("%s#%d %s %s#%d %s %s#%d", r.Play, r.PlayN, kind, r.Name, r.N, r.Host, r.Item, r.ItemN)
	}
	want := []string{
		"p#1 task a#1 h1 #1",
		"p#1 task a#1 h2 #1",
		"p#1 task a#2 h1 #1",
		"p#1 handler a#1 h1 #1",
		"p#1 task l#1 h1 x#1",
		"p#1 task l#1 h1 x#2",
		"p#1 task l#1 h1 y#1",
		"p#1 task a#2 h2 #1",
		"p#2 task a#1 h1 #1",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if !s.Check {
		t.Error("the plays said check")
	}
}

// What the comparison refuses to read: it would compare as a run that
// changed nothing, or as another run than it is.
func TestReadErrors(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"empty", "", "s.jsonl: no play: not the output of hapb run --output json"},
		{"text output", "PLAY [p] ****\n", "s.jsonl:1: not a JSON event of hapb run --output json"},
		{"no recap", `{"event":"play","name":"p","check":true}` + "\n" + `{"event":"task","name":"a"}` + "\n",
			"s.jsonl: no recap: the run did not finish"},
		{"a bad line", `{"event":"play","name":"p","check":true}` + "\n\n" + `{"event":"task",` + "\n", "s.jsonl:3: not a JSON event"},
		{"no event field", `{"name":"p"}` + "\n", `s.jsonl:1: no "event" field`},
		{"a task before any play", `{"event":"task","name":"a"}` + "\n", "s.jsonl:1: task event before any play"},
		{"a result outside a task", `{"event":"play","name":"p","check":true}` + "\n" + `{"event":"result","host":"h1","status":"ok"}` + "\n",
			"s.jsonl:2: result event outside a task"},
		{"a status of another kind", `{"event":"play","name":"p","check":true}` + "\n" + `{"event":"task","name":"a"}` + "\n" +
			`{"event":"result","host":"h1","status":"done"}` + "\n", `s.jsonl:3: result event with host "h1" and status "done"`},
		{"check and not", `{"event":"play","name":"p","check":true}` + "\n" + `{"event":"play","name":"q","check":false}` + "\n",
			`s.jsonl:2: play "q" has check false, an earlier one true`},
		{"two runs", jsonl(true, []ev{play("p")}) + jsonl(true, []ev{play("p")}), "s.jsonl:3: play after the recap"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Read("s.jsonl", strings.NewReader(c.in))
			if err == nil || !strings.HasPrefix(err.Error(), c.want) {
				t.Errorf("got %v, want %q…", err, c.want)
			}
		})
	}
}

func TestReadAllow(t *testing.T) {
	list, err := ReadAllow("a.tsv", strings.NewReader("# known differences\n\np\tread the version\tchanged_when reads stdout\tand more\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].Play != "p" || list[0].Task != "read the version" || list[0].Reason != "changed_when reads stdout\tand more" {
		t.Errorf("got %+v", list)
	}
	for _, bad := range []string{"p\ttask\n", "p\ttask\t \n", "\ttask\twhy\n", "p task why\n"} {
		if _, err := ReadAllow("a.tsv", strings.NewReader("# c\n"+bad)); err == nil || !strings.HasPrefix(err.Error(), "a.tsv:2: want PLAY<TAB>TASK<TAB>REASON") {
			t.Errorf("%q: got %v", bad, err)
		}
	}
}

// Which failures took the host out of the run, as hapb reported a block
// whose failure a rescue took over, an ignored loop, then a failure and a
// failing always: section (the recap: failed 2, rescued 1, ignored 1).
func TestReadExcused(t *testing.T) {
	s := mustRead(t, "s.jsonl", true, []ev{
		play("r"), task("fails"), res("h1", "failed"), task("rescued"), res("h1", "ok"),
		task("loop fails"), res("h1", "failed", "item", "a"), res("h1", "failed", "item", "b"), res("h1", "failed", "ignored", true),
		task("fails again"), res("h1", "failed"), task("always"), res("h1", "failed"),
		{"event": "warning", "msg": "NO MORE HOSTS LEFT"}, recap(map[string]int{"h1": 2}),
	})
	var got []string
	for _, r := range s.Results {
		got = append(got, fmt.Sprintf("%s %s %v", r.Name, r.Item, r.Excused))
	}
	want := "fails  true\nrescued  false\nloop fails a true\nloop fails b true\nfails again  false\nalways  false"
	if strings.Join(got, "\n") != want {
		t.Errorf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), want)
	}
}
