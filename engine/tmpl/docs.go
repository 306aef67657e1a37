package tmpl

import (
	"fmt"
	"io"
	"sort"
	"strings"
)

// FuncDoc documents one function. Example renders (or, for an expression
// function, evaluates) to Expected with no variables defined; a test
// checks every one, so the documentation cannot drift from the code.
type FuncDoc struct {
	Name, Signature, Doc, Example, Expected string
}

// Docs returns the template functions' documentation, sorted by name.
func Docs() []FuncDoc { return sorted(funcDocs) }

// ExprDocs returns the documentation of the functions expressions have
// beyond expr-lang's builtins, sorted by name.
func ExprDocs() []FuncDoc { return sorted(exprDocs) }

func sorted(d []FuncDoc) []FuncDoc {
	out := append([]FuncDoc(nil), d...)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// WriteDocs prints the template and expression reference for
// `hapb doc templates`.
func WriteDocs(w io.Writer) {
	fmt.Fprint(w, `TEMPLATES
Strings holding {{ are Go text/template templates over the variables:
{{ .name }}, {{ .result.stdout }}, {{ (index .hostvars "master1").ansible_host }}.
A string that is exactly one action ("{{ .etcd_hosts }}") gives the native
value: a list stays a list. An undefined variable is an error; allow one with
{{ default "x" .maybe }}, {{ .maybe | default "x" }}, {{ if defined .maybe }},
or {{ if hasKey . "maybe" }}. Functions take the value worked on last, so
they chain: {{ .name | replace "-" "_" | upper }}.

`)
	writeTable(w, Docs())
	fmt.Fprint(w, `
EXPRESSIONS
when, changed_when, failed_when, until and assert's that are expr-lang
expressions over the variables as bare names (https://expr-lang.org):
inventory_hostname == groups.masters[0], result.rc != 0, "etcd" in group_names,
groups.etcd | length > 2, all(results, .rc == 0). The result must be a
boolean: write bool(x) for "yes"/"no" strings, len(x) > 0 for lists.
An undefined variable or map key is an error; allow one with defined(x),
defined(x.y), defined("x.y"), x ?? default, or x?.y. Checks are lazy:
defined(x) && x > 1 and use_x && x > 1 read x only when needed. ?? does not
mix with comparisons unparenthesized: (x ?? 0) > 1. There is no //: write
int(a / b).
Beyond expr's builtins (len, filter, map, any, all, keys, upper, split, ...):

`)
	writeTable(w, ExprDocs())
}

func writeTable(w io.Writer, docs []FuncDoc) {
	for _, d := range docs {
		fmt.Fprintf(w, "  %s\n      %s\n      %s  →  %s\n", d.Signature, d.Doc, d.Example, strings.ReplaceAll(d.Expected, "\n", `\n`))
	}
}

var funcDocs = []FuncDoc{
	{"default", "default FALLBACK VALUE", "VALUE, or FALLBACK if VALUE is undefined or null (\"\" is kept).", `{{ .undefined_var | default "x" }}`, "x"},
	{"defined", "defined VALUE", "Whether VALUE (a variable or index lookup) is defined.", `{{ if defined .nope }}y{{ else }}n{{ end }}`, "n"},
	{"hasKey", "hasKey MAP KEY", "Whether MAP has KEY; hasKey . \"name\" tests a variable.", `{{ hasKey (dict "a" 1) "a" }}`, "true"},
	{"index", "index COLLECTION KEY...", "COLLECTION[KEY]...; a missing key or index is an error.", `{{ index (dict "a" (list 1 2)) "a" 1 }}`, "2"},
	{"join", "join SEP LIST", "The elements of LIST joined with SEP.", `{{ list "a" "b" | join "," }}`, "a,b"},
	{"split", "split SEP STRING", "The parts of STRING between SEPs.", `{{ split "," "a,b" | last }}`, "b"},
	{"quote", "quote STRING", "STRING quoted for a POSIX shell.", `{{ quote "it's" }}`, `'it'\''s'`},
	{"upper", "upper STRING", "STRING in upper case.", `{{ upper "etcd" }}`, "ETCD"},
	{"lower", "lower STRING", "STRING in lower case.", `{{ lower "ETCD" }}`, "etcd"},
	{"trim", "trim STRING", "STRING without leading and trailing white space.", `[{{ trim " a \n" }}]`, "[a]"},
	{"replace", "replace OLD NEW STRING", "STRING with every OLD replaced by NEW.", `{{ "node-1" | replace "-" "_" }}`, "node_1"},
	{"contains", "contains NEEDLE HAYSTACK", "Whether a string holds a substring, or a list an element.", `{{ contains "b" (list "a" "b") }}`, "true"},
	{"hasPrefix", "hasPrefix PREFIX STRING", "Whether STRING starts with PREFIX.", `{{ hasPrefix "v1" "v1.31.4" }}`, "true"},
	{"hasSuffix", "hasSuffix SUFFIX STRING", "Whether STRING ends with SUFFIX.", `{{ hasSuffix ".yaml" "kubeadm.yaml" }}`, "true"},
	{"indent", "indent N STRING", "STRING with every line indented by N spaces.", `{{ indent 2 "a\nb" }}`, "  a\n  b"},
	{"nindent", "nindent N STRING", "A newline, then STRING indented by N spaces: for YAML blocks.", `x:{{ nindent 2 "a: 1" }}`, "x:\n  a: 1"},
	{"regexReplace", "regexReplace RE REPL STRING", "STRING with each match of RE replaced by REPL ($1 for groups).", `{{ regexReplace "^v" "" "v1.31.4" }}`, "1.31.4"},
	{"regexMatch", "regexMatch RE STRING", "Whether RE matches STRING.", `{{ regexMatch "^1\\.3[0-9]" "1.31.4" }}`, "true"},
	{"toYaml", "toYaml VALUE", "VALUE as YAML, indented by 2, without a final newline.", `{{ dict "a" (list 1) | toYaml }}`, "a:\n  - 1"},
	{"toJson", "toJson VALUE", "VALUE as compact JSON.", `{{ dict "a" (list 1) | toJson }}`, `{"a":[1]}`},
	{"fromYaml", "fromYaml STRING", "The value STRING holds as YAML.", `{{ (fromYaml "a: [1, 2]").a | len }}`, "2"},
	{"fromJson", "fromJson STRING", "The value STRING holds as JSON.", `{{ (fromJson "{\"a\": 1}").a }}`, "1"},
	{"b64enc", "b64enc STRING", "STRING in standard base64.", `{{ b64enc "hapb" }}`, "aGFwYg=="},
	{"b64dec", "b64dec STRING", "STRING decoded from standard base64.", `{{ b64dec "aGFwYg==" }}`, "hapb"},
	{"sha256", "sha256 STRING", "The hex SHA-256 of STRING.", `{{ sha256 "" }}`, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
	{"list", "list VALUE...", "A list of the VALUEs.", `{{ list 1 "a" }}`, `[1,"a"]`},
	{"concat", "concat LIST...", "The elements of every LIST, in order (Jinja's a + b).", `{{ concat (list 1) (list "a" "b") }}`, `[1,"a","b"]`},
	{"dict", "dict KEY VALUE...", "A map of KEY VALUE pairs.", `{{ dict "a" 1 "b" 2 }}`, `{"a":1,"b":2}`},
	{"keys", "keys MAP", "The keys of MAP, sorted.", `{{ dict "b" 1 "a" 2 | keys }}`, `["a","b"]`},
	{"values", "values MAP", "The values of MAP, in key order.", `{{ dict "b" 1 "a" 2 | values }}`, "[2,1]"},
	{"first", "first LIST", "The first element of LIST; an empty list is an error.", `{{ list "m1" "m2" | first }}`, "m1"},
	{"last", "last LIST", "The last element of LIST; an empty list is an error.", `{{ list "m1" "m2" | last }}`, "m2"},
	{"len", "len VALUE", "The length of a string, list or map.", `{{ list 1 2 3 | len }}`, "3"},
	{"length", "length VALUE", "Jinja's name for len.", `{{ "abc" | length }}`, "3"},
	{"unique", "unique LIST", "LIST without repeated elements, first kept.", `{{ list "a" "b" "a" | unique }}`, `["a","b"]`},
	{"sort", "sort LIST", "LIST sorted: numbers by value, the rest as text.", `{{ list 10 9 1 | sort }}`, "[1,9,10]"},
	{"pluck", "pluck KEY LIST", "KEY of each map in LIST; a map without it is an error.", `{{ list (dict "ip" "10.0.0.1") (dict "ip" "10.0.0.2") | pluck "ip" | join "," }}`, "10.0.0.1,10.0.0.2"},
	{"hostvarsOf", "hostvarsOf HOSTVARS HOSTS", "The variables of each of HOSTS: hostvarsOf .hostvars .groups.etcd | pluck \"ansible_host\".", `{{ hostvarsOf (dict "m1" (dict "ansible_host" "10.0.0.1")) (list "m1") | pluck "ansible_host" }}`, `["10.0.0.1"]`},
	{"seq", "seq [FROM] TO", "The integers FROM (default 1) to TO, inclusive.", `{{ seq 3 }}`, "[1,2,3]"},
	{"ternary", "ternary IFTRUE IFFALSE COND", "IFTRUE if COND, else IFFALSE.", `{{ ternary "yes" "no" false }}`, "no"},
	{"int", "int VALUE", "VALUE as an integer (from a number, numeric string or bool).", `{{ int "42" | add 1 }}`, "43"},
	{"string", "string VALUE", "VALUE as text: JSON for lists and maps.", `{{ string 42 | len }}`, "2"},
	{"bool", "bool VALUE", "VALUE as a boolean: true/false, yes/no, on/off, 1/0.", `{{ bool "yes" }}`, "true"},
	{"add", "add A B", "A + B; integers unless either is a float.", `{{ add 1 2 }}`, "3"},
	{"sub", "sub A B", "A - B.", `{{ sub 5 2 }}`, "3"},
	{"mul", "mul A B", "A * B.", `{{ mul 2 3 }}`, "6"},
	{"div", "div A B", "A / B; integer division for integers.", `{{ div 7 2 }}`, "3"},
	{"mod", "mod A B", "A modulo B.", `{{ mod 7 2 }}`, "1"},
	{"ipInCIDR", "ipInCIDR IP CIDR", "Whether IP is in the network CIDR.", `{{ ipInCIDR "10.96.0.10" "10.96.0.0/12" }}`, "true"},
	{"cidrHost", "cidrHost CIDR N", "The N-th address of CIDR; negative N counts from the end.", `{{ cidrHost "10.96.0.0/12" 1 }}`, "10.96.0.1"},
	{"cidrNetmask", "cidrNetmask CIDR", "The dotted netmask of an IPv4 CIDR.", `{{ cidrNetmask "192.168.1.0/24" }}`, "255.255.255.0"},
	{"cidrPrefix", "cidrPrefix CIDR", "The prefix length of CIDR.", `{{ cidrPrefix "fd00::/64" }}`, "64"},
	{"ipFamily", "ipFamily IP", "4 or 6; IP may carry a /prefix.", `{{ ipFamily "fd00::1" }}`, "6"},
	{"isIP", "isIP STRING", "Whether STRING is an IP address (a /prefix is allowed).", `{{ isIP "10.0.0.1/24" }}`, "true"},
}

var exprDocs = []FuncDoc{
	{"defined", "defined(x) defined(x.y) defined(\"x.y\")", "Whether a variable, or each key on a path, exists.", `defined(nope) || defined("nope.x")`, "false"},
	{"??", "x ?? fallback", "x, or fallback if x (or a key on its path) is undefined or null.", `nope.port ?? 6443`, "6443"},
	{"version", "version(a, op, b)", "Compares versions numerically; op is < <= == != >= > or lt le eq ne ge gt.", `version("v1.31.4", ">=", "1.31")`, "true"},
	{"regex_search", "regex_search(s, re)", "The first match of re in s, or nil.", `regex_search("v1.31.4", "[0-9]+\\.[0-9]+")`, "1.31"},
	{"regex_replace", "regex_replace(s, re, repl)", "s with each match of re replaced by repl ($1 for groups).", `regex_replace("eth0", "[0-9]+$", "")`, "eth"},
	{"bool", "bool(x)", "x as a boolean: true/false, yes/no, on/off, 1/0.", `bool("yes")`, "true"},
	{"length", "length(x)", "Jinja's name for len; x | length works too.", `["a", "b"] | length`, "2"},
	{"quote", "quote(s)", "s quoted for a POSIX shell.", `quote("a b")`, "'a b'"},
	{"ipaddr", "ipaddr(s)", "Whether s is an IP address or a CIDR.", `ipaddr("10.0.0.0/8")`, "true"},
	{"isIP", "isIP(s)", "Whether s is an IP address (a /prefix is allowed).", `isIP("master1")`, "false"},
	{"ipFamily", "ipFamily(ip)", "4 or 6.", `ipFamily("10.0.0.1")`, "4"},
	{"ipInCIDR", "ipInCIDR(ip, cidr)", "Whether ip is in the network cidr.", `ipInCIDR("10.0.0.1", "10.0.0.0/8")`, "true"},
	{"cidrHost", "cidrHost(cidr, n)", "The n-th address of cidr; negative n counts from the end.", `cidrHost("10.0.0.0/24", -2)`, "10.0.0.254"},
	{"cidrNetmask", "cidrNetmask(cidr)", "The dotted netmask of an IPv4 cidr.", `cidrNetmask("10.0.0.0/8")`, "255.0.0.0"},
	{"cidrPrefix", "cidrPrefix(cidr)", "The prefix length of cidr.", `cidrPrefix("10.0.0.0/8")`, "8"},
}
