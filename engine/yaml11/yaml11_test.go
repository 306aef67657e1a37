package yaml11

import (
	"math"
	"math/big"
	"reflect"
	"testing"
)

func TestPlain(t *testing.T) {
	tests := []struct {
		in   string
		want any
	}{
		{"yes", true}, {"Off", false}, {"on", true}, {"y", "y"}, {"true", true}, {"~", nil}, {"", nil},
		{"0755", 493}, {"0x1f", 31}, {"0b11", 3}, {"1_000", 1000}, {"1:20", 80}, {"190:20:30", 685230}, {"09", "09"},
		{"1.5", 1.5}, {"1.0", 1.0}, {"1e3", "1e3"}, {"1.0e+3", 1000.0}, {"1.", 1.0}, {".5", 0.5}, {"-2", -2},
		{"1:30.5", 90.5}, {"0o17", "0o17"}, {"2024-01-02", "2024-01-02"}, {"10.0.0.1", "10.0.0.1"},
		{"9223372036854775807", math.MaxInt64}, {"-.inf", math.Inf(-1)}, {".Inf", math.Inf(1)},
	}
	for _, tt := range tests {
		got, err := Plain(tt.in)
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Plain(%q) = %#v, %v; want %#v", tt.in, got, err, tt.want)
		}
	}
	if f, _ := Plain(".nan"); !math.IsNaN(f.(float64)) {
		t.Errorf("Plain(.nan) = %v, want NaN", f)
	}
	// A float must stay a float: 1.0 is not 1.
	if v, _ := Plain("1.0"); reflect.TypeOf(v).Kind() != reflect.Float64 {
		t.Errorf("Plain(1.0) is a %T", v)
	}
	// Beyond int64: every digit kept, never a float.
	for in, want := range map[string]string{"9223372036854775808": "9223372036854775808",
		"-99_999_999_999_999_999_999": "-99999999999999999999", "0x1ffffffffffffffff": "36893488147419103231"} {
		v, err := Plain(in)
		if b, ok := v.(*big.Int); err != nil || !ok || b.String() != want {
			t.Errorf("Plain(%q) = %#v, %v; want the big integer %s", in, v, err, want)
		}
	}
}

func TestTagged(t *testing.T) {
	tests := []struct {
		tag, in string
		want    any
		ok      bool
	}{
		{"!!int", "12", 12, true}, {"!!int", "x", nil, false}, {"!!float", "1", 1.0, true},
		{"!!bool", "yes", true, true}, {"!!null", "", nil, true}, {"!!str", "1", nil, false},
	}
	for _, tt := range tests {
		got, ok, err := Tagged(tt.tag, tt.in)
		if err != nil || ok != tt.ok || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Tagged(%s, %q) = %#v, %v, %v; want %#v, %v", tt.tag, tt.in, got, ok, err, tt.want, tt.ok)
		}
	}
}
