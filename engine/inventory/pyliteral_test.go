package inventory

import (
	"encoding/json"
	"reflect"
	"testing"
)

// TestParseINIValue: expectations are Python's ast.literal_eval, as JSON
// (a string where literal_eval fails, as Ansible keeps the text).
func TestParseINIValue(t *testing.T) {
	tests := []struct{ in, want string }{
		{"1", `1`}, {"-5", `-5`}, {"+3", `3`}, {"0", `0`}, {"00", `0`}, {"007", `"007"`},
		{"1_000", `1000`}, {"1__0", `"1__0"`}, {"0x1F", `31`}, {"0o17", `15`}, {"0b101", `5`},
		{"1.5", `1.5`}, {".5", `0.5`}, {"5.", `5.0`}, {"1e3", `1000.0`}, {"1E-2", `0.01`}, {"1_0.5", `10.5`},
		{"True", `true`}, {"False", `false`}, {"None", `null`}, {"true", `"true"`}, {"yes", `"yes"`},
		{"'x'", `"x"`}, {`"a b"`, `"a b"`}, {"'a' 'b'", `"ab"`}, {`r'\n'`, `"\\n"`}, {`'\t'`, `"\t"`},
		{"[1, 'two', 3.0]", `[1, "two", 3.0]`}, {"(1,)", `[1]`}, {"(1)", `1`}, {"()", `[]`}, {"1,2", `[1, 2]`},
		{"{'a': 1, 'b': [True, None]}", `{"a": 1, "b": [true, null]}`}, {"{1: 2}", `{"1": 2}`}, {"{}", `{}`},
		{"1 # c", `1`}, {"x # c", `"x # c"`}, {"-x", `"-x"`}, {"--1", `"--1"`}, {"1+2j", `"1+2j"`},
		{"1j", `"1j"`}, {"abc", `"abc"`}, {"", `""`}, {"[1,", `"[1,"`}, {"foo=bar", `"foo=bar"`},
		{"2001:db8::1", `"2001:db8::1"`}, {"10.0.0.1", `"10.0.0.1"`}, {"1.2.3", `"1.2.3"`}, {"0755", `"0755"`},
		{`'\x41\u00e9'`, `"A\u00e9"`}, {"u'x'", `"x"`}, {"b'x'", `"b'x'"`}, {"f'x'", `"f'x'"`},
		{"{'a','b'}", `"{'a','b'}"`},
	}
	for _, tt := range tests {
		var want any
		if err := json.Unmarshal([]byte(tt.want), &want); err != nil {
			t.Fatal(err)
		}
		raw, err := json.Marshal(parseINIValue(tt.in))
		if err != nil {
			t.Fatalf("%q: %v", tt.in, err)
		}
		var got any
		json.Unmarshal(raw, &got)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("parseINIValue(%q) = %s, want %s", tt.in, raw, tt.want)
		}
	}
}

func TestShlexSplit(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{`h1 a=1 b="two words"`, []string{"h1", "a=1", "b=two words"}},
		{`h1 a='x y' # comment`, []string{"h1", "a=x y"}},
		{`h1 a=b#c`, []string{"h1", "a=b"}},
		{`h1 p="a\"b\n"`, []string{"h1", `p=a"b\n`}},
		{`h1 e=''`, []string{"h1", "e="}},
		{`h1 x=a\ b`, []string{"h1", "x=a b"}},
	}
	for _, tt := range tests {
		got, err := shlexSplit(tt.in)
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("shlexSplit(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}
