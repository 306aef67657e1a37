package modules

import (
	"fmt"
	"net"
	"regexp"
	"strconv"
)

// Parameters that become operands of host tools are validated as what they
// are, so that no value can pass for an option (chown's owner spec, for
// one, comes before any "--"). They decode themselves (params.Decoder):
// checked at load when static, when rendered otherwise.

// accountName is a user or group name, or a numeric id.
type accountName string

// accountRE is what useradd and groupadd accept on common Linux
// distributions (shadow's default, plus the trailing $ of machine accounts),
// and numeric ids.
var accountRE = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.@-]{0,255}\$?$`)

// DecodeParam implements params.Decoder.
func (a *accountName) DecodeParam(v any) error {
	s, err := scalarString(v)
	if err != nil {
		return err
	}
	if s != "" && !accountRE.MatchString(s) {
		return fmt.Errorf("%q is not a user or group name, nor a numeric id", s)
	}
	*a = accountName(s)
	return nil
}

// ParamType names the type in `hapb doc`.
func (a *accountName) ParamType() string { return "name or id" }

// hostPort is HOST:PORT, HOST a name or an IP address ([v6]:port).
type hostPort string

var hostNameRE = regexp.MustCompile(`^[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_])?$`)

// DecodeParam implements params.Decoder.
func (h *hostPort) DecodeParam(v any) error {
	s, err := scalarString(v)
	if err != nil {
		return err
	}
	if s != "" {
		host, port, err := net.SplitHostPort(s)
		if err != nil {
			return fmt.Errorf("%q is not HOST:PORT: %v", s, err)
		}
		if net.ParseIP(host) == nil && !hostNameRE.MatchString(host) {
			return fmt.Errorf("%q is not HOST:PORT: bad host %q", s, host)
		}
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return fmt.Errorf("%q is not HOST:PORT: bad port %q", s, port)
		}
	}
	*h = hostPort(s)
	return nil
}

// ParamType names the type in `hapb doc`.
func (h *hostPort) ParamType() string { return "host:port" }

func scalarString(v any) (string, error) {
	switch v := v.(type) {
	case nil:
		return "", nil
	case string:
		return v, nil
	case int, int64, uint64:
		return fmt.Sprint(v), nil
	}
	return "", fmt.Errorf("expected a string, got %T", v)
}
